"""A salesperson previews, from a customer, the billing price of a product and sees its source."""

from odoo.fields import Command
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestPricelistPriorityTour(HttpCase):
    def test_preview_billing_price_from_customer(self):
        self.env.ref("base.group_user")._apply_group(self.env.ref("product.group_product_pricelist"))
        product = self.env["product.product"].create({"name": "Tour Metered Item", "list_price": 12.0})
        pricelist = self.env["product.pricelist"].create(
            {
                "name": "Tour Usage Prices",
                "item_ids": [
                    Command.create(
                        {"applied_on": "0_product_variant", "product_id": product.id, "fixed_price": 0.0}
                    )
                ],
            }
        )
        customer = self.env["res.partner"].create({"name": "Tour Billing Customer"})
        customer.property_product_pricelist = pricelist
        self.assertEqual(
            self.env["product.pricelist"].resolve_billing_prices(
                [{"partner_id": customer.id, "product_id": product.id, "quantity": 1}]
            )[0]["source"],
            "pricelist",
        )
        self.start_tour(
            f"/odoo/action-base.action_partner_form/{customer.id}",
            "pricelist_priority_billing_price_preview",
            login="admin",
            timeout=120,
        )
