"""Finalize: an irreversible lock that still lets the recurrence and the status change."""

from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import tagged

from .common import D, RecurringOrdersCase


@tagged("post_install", "-at_install")
class TestRecurringFinalize(RecurringOrdersCase):
    def setUp(self):
        super().setUp()
        self.order = self._create_order(
            recurrence_subject="Subscription {MMM}", recurrence_date_preference="period_start"
        )
        self.order.action_finalize()

    def test_only_confirmed_orders_can_be_finalized(self):
        quotation = self._create_order(confirm=False)
        with self.assertRaises(UserError):
            quotation.action_finalize()
        self.assertFalse(quotation.finalized)
        self.assertTrue(self.order.finalized)

    def test_edits_are_refused(self):
        for values in (
            {"partner_id": self.customer_fr.id},
            {"client_order_ref": "changed"},
            {"note": "New terms"},
            {"finalized": False},
            {"order_line": [Command.create({"product_id": self.product_option.id})]},
        ):
            with self.subTest(values=values), self.assertRaises(UserError):
                self.order.write(values)
        line = self.order.order_line.filtered("product_id")[0]
        with self.assertRaises(UserError):
            line.price_unit = 1.0
        with self.assertRaises(UserError):
            line.unlink()
        with self.assertRaises(UserError):
            self.env["sale.order.line"].create(
                {"order_id": self.order.id, "product_id": self.product_option.id}
            )
        with self.assertRaises(UserError):
            self.order.unlink()
        self.assertEqual(self.order.partner_id, self.customer_en)
        self.assertEqual(self.order.amount_untaxed, 210.0)
        self.assertTrue(self.order.finalized)

    def test_recurrence_and_status_stay_editable(self):
        self.order.write(
            {
                "recurrence_subject": "Abonnement {MMM}",
                "recurrence_frequency": "quarterly",
                "recurrence_date_end": D(2026, 12, 31),
                "recurrence_invoice_state": "draft",
            }
        )
        self.assertEqual(self.order.recurrence_frequency, "quarterly")
        self.order.message_post(body="Still open to notes")
        self.order.write({"state": "cancel"})
        self.assertEqual(self.order.state, "cancel")

    @freeze_time("2026-02-01")
    def test_generation_still_works_on_a_finalized_order(self):
        invoices, failures = self._generate(self.order)

        self.assertFalse(failures)
        self.assertEqual(len(invoices), 2)
        self.assertEqual(
            invoices.mapped("invoice_subject"), ["Subscription January", "Subscription February"]
        )
        self.assertEqual(self.order.invoice_status, "invoiced")
        self.assertEqual(self.order.recurrence_next_date, D(2026, 3, 1))

    def test_form_makes_every_field_read_only_except_the_recurrence(self):
        arch = etree.fromstring(self.env["sale.order"].get_view(view_type="form")["arch"])

        def readonly(name):
            return arch.xpath(f"//field[@name='{name}'][not(ancestor::field)]")[0].get("readonly") or ""

        for name in ("partner_id", "order_line", "payment_term_id", "client_order_ref"):
            self.assertIn("finalized", readonly(name), name)
        for name in ("recurrence_subject", "recurrence_enabled", "recurrence_date_end", "state"):
            self.assertNotIn("finalized", readonly(name), name)
        button = arch.xpath("//button[@name='action_finalize']")[0]
        self.assertIn("cannot be undone", button.get("confirm"))
