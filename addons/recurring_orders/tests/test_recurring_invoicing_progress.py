from freezegun import freeze_time

from odoo.fields import Command
from odoo.tests import tagged

from .common import D, RecurringOrdersCase


@tagged("post_install", "-at_install")
class TestRecurringInvoicingProgress(RecurringOrdersCase):
    """What the order keeps of its invoices for the dashboard follows every change of those invoices."""

    def _progress(self, order):
        self.env.flush_all()
        return order

    @freeze_time("2026-03-15")
    def test_last_invoice_follows_generation_and_cancellation(self):
        order = self._create_order(recurrence_invoice_state="draft")
        self.assertRecordValues(
            self._progress(order),
            [{"recurrence_last_invoice_id": False, "recurrence_last_subscription_amount": 0.0}],
        )
        invoices, _failures = self._generate(order)
        january, february, march = invoices
        self.assertRecordValues(
            self._progress(order),
            [
                {
                    "recurrence_next_date": D(2026, 4, 1),
                    "recurrence_last_invoice_id": march.id,
                    "recurrence_last_subscription_amount": 210.0,
                }
            ],
        )
        march.button_cancel()
        self.assertRecordValues(
            self._progress(order),
            [
                {
                    "recurrence_next_date": D(2026, 3, 1),
                    "recurrence_last_invoice_id": february.id,
                    "recurrence_last_subscription_amount": 210.0,
                }
            ],
        )
        february.unlink()
        self.assertRecordValues(
            self._progress(order),
            [{"recurrence_next_date": D(2026, 2, 1), "recurrence_last_invoice_id": january.id}],
        )

    @freeze_time("2026-03-15")
    def test_subscription_amount_follows_the_last_invoice_lines(self):
        order = self._create_order(recurrence_invoice_state="draft")
        march = self._generate(order)[0][-1]
        march.write(
            {"invoice_line_ids": [Command.create({"product_id": self.product_option.id, "price_unit": 15.0})]}
        )
        self.assertEqual(self._progress(order).recurrence_last_subscription_amount, 225.0)
        march.invoice_line_ids.filtered(lambda line: line.product_id == self.product_subscription).write(
            {"price_unit": 50}
        )
        self.assertEqual(self._progress(order).recurrence_last_subscription_amount, 135.0)

    @freeze_time("2026-03-15")
    def test_periods_billed_twice_follow_hand_made_invoices(self):
        order = self._create_order()
        self._generate(order)
        self.assertEqual(self._progress(order).recurrence_duplicate_period_count, 0)
        february = self._hand_made_invoice(order, D(2026, 2, 20))
        self.assertEqual(self._progress(order).recurrence_duplicate_period_count, 1)
        self._hand_made_invoice(order, D(2026, 2, 25))
        self._hand_made_invoice(order, D(2026, 3, 2))
        self.assertEqual(self._progress(order).recurrence_duplicate_period_count, 2)
        february.invoice_date = D(2026, 4, 3)
        self.assertEqual(
            self._progress(order).recurrence_duplicate_period_count,
            2,
            "April has no generated invoice, but February still has two (generated and hand-made)",
        )
        hand_made = order.order_line.invoice_lines.move_id.filtered(lambda move: not move.recurring_order_id)
        hand_made.button_cancel()
        self.assertEqual(self._progress(order).recurrence_duplicate_period_count, 0)

    @freeze_time("2026-03-15")
    def test_only_generated_invoices_of_the_order_count(self):
        order = self._create_order()
        other = self._create_order()
        self._generate(order | other)
        order_last, other_last = order.recurrence_last_invoice_id, other.recurrence_last_invoice_id
        self._hand_made_invoice(order, D(2026, 1, 5))
        self.assertRecordValues(
            self._progress(order | other),
            [
                {"recurrence_duplicate_period_count": 1, "recurrence_last_invoice_id": order_last.id},
                {"recurrence_duplicate_period_count": 0, "recurrence_last_invoice_id": other_last.id},
            ],
        )
        self.assertEqual(order_last.recurring_period_start, D(2026, 3, 1), "never a hand-made invoice")
