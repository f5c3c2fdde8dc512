"""Browser tour: enable recurrence on an order, read the preview, save, generate the invoice."""

from odoo.fields import Command
from odoo.tests import HttpCase, tagged

from .dates import user_today


@tagged("post_install", "-at_install")
class TestRecurringOrdersTour(HttpCase):
    def test_enable_preview_save_generate(self):
        partner = self.env["res.partner"].create({"name": "Tour Customer", "email": "tour@example.com"})
        product = self.env["product.product"].create(
            {"name": "Tour Plan", "type": "service", "list_price": 42.0, "invoice_policy": "order"}
        )
        first_of_month = user_today(self.env).replace(day=1)
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 1})],
                "recurrence_date_start": first_of_month,
            }
        )
        order.action_confirm()

        self.start_tour(f"/odoo/action-sale.action_orders/{order.id}", "recurring_orders_tour", login="admin")

        invoice = order.recurrence_invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.recurring_period_start, first_of_month)
        self.assertEqual(invoice.invoice_date, first_of_month)
        self.assertEqual(invoice.invoice_subject, f"Tour subscription {first_of_month:%B}")
        self.assertEqual(invoice.amount_untaxed, 42.0)
        self.assertEqual(order.invoice_ids, invoice)
