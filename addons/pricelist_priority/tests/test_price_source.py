from odoo.fields import Command
from odoo.tests import Form, tagged

from .common import BillingPriceCase


@tagged("post_install", "-at_install")
class TestPriceSource(BillingPriceCase):
    def test_selection_on_sale_and_invoice_lines(self):
        expected = [("explicit", "Explicit rate"), ("pricelist", "Price list"), ("catalog", "Catalog price")]
        for model in ("sale.order.line", "account.move.line"):
            field = self.env[model]._fields["price_source"]
            self.assertEqual(field.selection, expected)
            self.assertEqual(field.string, "Price Source")

    def test_invoice_line_keeps_the_source_of_the_order_line(self):
        self.phone_units.invoice_policy = "order"
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.phone_units.id,
                            "product_uom_qty": 3,
                            "price_unit": 0.0,
                            "price_source": "pricelist",
                        }
                    ),
                    Command.create(
                        {"product_id": self.sms.id, "product_uom_qty": 5, "price_source": "catalog"}
                    ),
                ],
            }
        )
        order.action_confirm()
        invoice = order._create_invoices()
        lines = invoice.invoice_line_ids.sorted(lambda line: line.product_id.name)
        self.assertEqual(lines.mapped("product_id"), self.sms + self.phone_units)
        self.assertEqual(lines.mapped("price_source"), ["catalog", "pricelist"])
        self.assertEqual(lines.mapped("price_unit"), [0.5, 0.0])

    def test_optional_column_in_order_and_invoice_forms(self):
        order_form = Form(self.env["sale.order"])
        order_form.partner_id = self.customer
        with order_form.order_line.new() as line:
            line.product_id = self.storage
        order = order_form.save()
        self.assertFalse(order.order_line.price_source)
        for view in ("sale.view_order_form", "account.view_move_form"):
            arch = self.env.ref(view)._get_combined_arch()
            columns = arch.xpath("//list/field[@name='price_source']")
            self.assertEqual(len(columns), 1, view)
            self.assertEqual(columns[0].get("optional"), "hide")
