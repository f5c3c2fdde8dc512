from odoo.fields import Command
from odoo.tests import Form, tagged

from .common import BillingPriceCase


@tagged("post_install", "-at_install")
class TestPriceSource(BillingPriceCase):
    def test_selection_on_sale_and_invoice_lines(self):
        expected = [
            ("explicit", "Explicit rate"),
            ("pricelist", "Price list"),
            ("catalog", "Catalog price"),
            ("manual", "Set by hand"),
        ]
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

    def test_a_price_changed_by_hand_is_set_by_hand(self):
        self.phone_units.invoice_policy = "order"
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.phone_units.id, "price_unit": 0.0, "price_source": "pricelist"}
                    ),
                    Command.create({"product_id": self.sms.id, "price_source": "catalog"}),
                ],
            }
        )
        phone_line, sms_line = order.order_line.sorted(lambda line: line.product_id != self.phone_units)
        with Form(order) as order_form, order_form.order_line.edit(0) as line_form:
            self.assertEqual(line_form.product_id, self.phone_units)
            line_form.price_unit = 0.04
        self.assertEqual((phone_line.price_unit, phone_line.price_source), (0.04, "manual"))
        self.assertEqual(sms_line.price_source, "catalog", "the other line is untouched")

        # Writing the same price again, or a price with its source, keeps what is given.
        sms_line.price_unit = sms_line.price_unit
        self.assertEqual(sms_line.price_source, "catalog")
        sms_line.write({"price_unit": 0.3, "price_source": "explicit"})
        self.assertEqual(sms_line.price_source, "explicit")

        order.action_confirm()
        invoice = order._create_invoices()
        invoice_line = invoice.invoice_line_ids.filtered(lambda line: line.product_id == self.sms)
        self.assertEqual(invoice_line.price_source, "explicit")
        with Form(invoice) as invoice_form, invoice_form.invoice_line_ids.edit(
            list(invoice.invoice_line_ids).index(invoice_line)
        ) as line_form:
            line_form.price_unit = 0.35
        self.assertEqual((invoice_line.price_unit, invoice_line.price_source), (0.35, "manual"))

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
