from datetime import date

from odoo.tests import Form, tagged

from .common import BillingPriceCase


@tagged("post_install", "-at_install")
class TestBillingPricePreview(BillingPriceCase):
    def preview_form(self, **context):
        action = self.env.ref("pricelist_priority.action_billing_price_preview")
        Preview = self.env["billing.price.preview"].with_context(**context)
        self.assertEqual((action.res_model, action.target), ("billing.price.preview", "new"))
        return Form(Preview)

    def test_preview_from_customer_shows_price_and_source(self):
        (rule,) = self.add_rules(
            self.pricelist,
            {"applied_on": "0_product_variant", "product_id": self.phone_units.id, "fixed_price": 0.0},
        )
        form = self.preview_form(active_model="res.partner", active_id=self.customer.id)
        self.assertEqual(form.partner_id, self.customer)
        self.assertEqual(form.pricelist_id, self.pricelist)
        form.product_id = self.phone_units
        self.assertEqual((form.price, form.price_source, form.rule_id), (0.0, "pricelist", rule))
        self.assertEqual(form.price_currency_id, self.usd)
        form.product_id = self.storage
        self.assertEqual((form.price, form.price_source, form.rule_id.id), (3.0, "catalog", False))
        form.use_explicit_price = True
        form.explicit_price = 0.0
        self.assertEqual((form.price, form.price_source), (0.0, "explicit"))

    def test_preview_with_quantity_date_and_currency(self):
        self.add_rules(
            self.pricelist,
            {
                "applied_on": "0_product_variant",
                "product_id": self.phone_units.id,
                "fixed_price": 5.0,
                "min_quantity": 100,
            },
        )
        form = self.preview_form(default_partner_id=self.customer.id)
        form.product_id = self.phone_units
        self.assertEqual(form.price_source, "catalog")
        form.quantity = 100
        form.date = date(2026, 2, 1)
        form.currency_id = self.eur
        self.assertEqual(
            (form.price, form.price_source, form.price_currency_id), (2.5, "pricelist", self.eur)
        )

    def test_bad_input_is_shown_not_raised(self):
        form = self.preview_form(default_partner_id=self.customer.id)
        form.product_id = self.phone_units
        form.quantity = -2
        self.assertIn("field quantity", form.error_message)
        self.assertFalse(form.price_source)

    def test_entry_points(self):
        menu = self.env.ref("pricelist_priority.menu_billing_price_preview")
        self.assertEqual(menu.parent_id, self.env.ref("pricelist_priority.menu_billing_prices_root"))
        self.assertEqual(menu.action, self.env.ref("pricelist_priority.action_billing_price_preview"))
        partner_arch = self.env.ref("base.view_partner_form")._get_combined_arch()
        self.assertTrue(partner_arch.xpath("//button[hasclass('o_billing_price_preview_button')]"))
        pricelist_arch = self.env.ref("product.product_pricelist_view")._get_combined_arch()
        self.assertTrue(pricelist_arch.xpath("//div[hasclass('o_billing_price_rule')]"))
