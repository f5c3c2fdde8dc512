"""Consumption on recurring invoices, through the consumption billing engine: period, filter, grouping."""

from freezegun import freeze_time

from odoo.tests import tagged

from .common import D, RecurringOrdersCase


@tagged("post_install", "-at_install")
class TestRecurringConsumption(RecurringOrdersCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calls, cls.sms = cls.env["product.product"].create(
            [
                {"name": "Call minutes", "type": "service", "list_price": 0.10, "invoice_policy": "order"},
                {"name": "Text messages", "type": "service", "list_price": 0.05, "invoice_policy": "order"},
            ]
        )

    def _record(self, day, quantity, product=None, partner=None, rate=2.0):
        return self.env["consumption.record"].create(
            {
                "partner_id": (partner or self.customer_en).id,
                "product_id": (product or self.calls).id,
                "date": day,
                "quantity": quantity,
                "rate": rate,
            }
        )

    def _consumption_lines(self, invoice):
        return invoice.invoice_line_ids.filtered(lambda line: line.consumption_record_ids).sorted("sequence")

    @freeze_time("2026-02-10")
    def test_current_period_consumption_is_added_and_linked(self):
        january = self._record(D(2026, 1, 10), 3) | self._record(D(2026, 1, 20), 7)
        february = self._record(D(2026, 2, 5), 4)
        other_customer = self._record(D(2026, 1, 10), 100, partner=self.customer_fr)
        order = self._create_order(recurrence_consumption="current")

        invoices, failures = self._generate(order)

        self.assertFalse(failures)
        jan_invoice, feb_invoice = invoices
        jan_lines = self._consumption_lines(jan_invoice)
        self.assertEqual(jan_lines.mapped("quantity"), [10.0])
        self.assertEqual(jan_lines.mapped("price_unit"), [2.0])
        self.assertEqual(jan_lines.consumption_record_ids, january)
        self.assertEqual(jan_invoice.amount_untaxed, 210.0 + 20.0)
        self.assertEqual(self._consumption_lines(feb_invoice).consumption_record_ids, february)
        self.assertEqual(january.invoice_line_id.move_id, jan_invoice)
        self.assertFalse(other_customer.invoice_line_id)
        sections = jan_invoice.invoice_line_ids.filtered(lambda line: line.display_type == "line_section")
        self.assertIn("Consumption from", sections.sorted("sequence")[-1].name)

    @freeze_time("2026-02-10")
    def test_previous_period_consumption(self):
        december = self._record(D(2025, 12, 15), 5)
        january = self._record(D(2026, 1, 15), 6)
        february = self._record(D(2026, 2, 5), 9)
        order = self._create_order(recurrence_consumption="previous")

        invoices, _failures = self._generate(order)

        jan_invoice, feb_invoice = invoices
        self.assertEqual(self._consumption_lines(jan_invoice).consumption_record_ids, december)
        self.assertEqual(self._consumption_lines(feb_invoice).consumption_record_ids, january)
        self.assertFalse(february.invoice_line_id, "February is billed with the March invoice")

    @freeze_time("2026-01-31")
    def test_filter_limits_the_records(self):
        calls = self._record(D(2026, 1, 10), 3)
        texts = self._record(D(2026, 1, 10), 50, product=self.sms)
        order = self._create_order(
            recurrence_consumption="current",
            recurrence_consumption_domain=f"[('product_id', '=', {self.calls.id})]",
        )

        invoice, _failures = self._generate(order)

        self.assertEqual(self._consumption_lines(invoice).consumption_record_ids, calls)
        self.assertFalse(texts.invoice_line_id)

    @freeze_time("2026-03-31")
    def test_month_grouping_on_a_quarterly_order(self):
        self._record(D(2026, 1, 10), 1)
        self._record(D(2026, 2, 10), 2)
        self._record(D(2026, 3, 10), 3)
        self._record(D(2026, 3, 20), 4)
        by_month = self._create_order(
            recurrence_frequency="quarterly",
            recurrence_consumption="current",
            recurrence_consumption_grouping="month",
        )

        invoice, _failures = self._generate(by_month)

        self.assertEqual(self._consumption_lines(invoice).mapped("quantity"), [1.0, 2.0, 7.0])

    @freeze_time("2026-03-31")
    def test_period_grouping_on_a_quarterly_order(self):
        self._record(D(2026, 1, 10), 1)
        self._record(D(2026, 3, 20), 4)
        order = self._create_order(recurrence_frequency="quarterly", recurrence_consumption="current")

        invoice, _failures = self._generate(order)

        self.assertEqual(self._consumption_lines(invoice).mapped("quantity"), [5.0])

    def test_late_consumption_is_billed_by_the_next_invoice(self):
        record = self._record(D(2026, 1, 10), 3)
        order = self._create_order(recurrence_consumption="current")
        with freeze_time("2026-01-31"):
            invoice, _failures = self._generate(order)
            late = self._record(D(2026, 1, 25), 2)
            rerun, _failures = self._generate(order)
        self.assertFalse(rerun)
        self.assertEqual(record.invoice_line_id.move_id, invoice)
        self.assertFalse(late.invoice_line_id, "the January invoice exists: wait for the next one")
        february = self._record(D(2026, 2, 10), 5)

        with freeze_time("2026-02-28"):
            next_invoice, _failures = self._generate(order)

        self.assertEqual(next_invoice.recurring_period_start, D(2026, 2, 1))
        self.assertEqual(late.invoice_line_id.move_id, next_invoice)
        self.assertEqual(february.invoice_line_id.move_id, next_invoice)
        lines = self._consumption_lines(next_invoice)
        self.assertEqual(lines.mapped("quantity"), [5.0, 2.0], "February, then January's late record")
        self.assertNotEqual(late.invoice_line_id, february.invoice_line_id)
        self.assertEqual(next_invoice.amount_untaxed, 210.0 + 14.0)
        self.assertEqual(record.invoice_line_id.move_id, invoice, "billed once")

    @freeze_time("2026-03-15")
    def test_catch_up_bills_each_record_once_in_its_own_period(self):
        january, february = self._record(D(2026, 1, 10), 3), self._record(D(2026, 2, 10), 4)
        order = self._create_order(recurrence_consumption="current")
        on_order_line = self._record(D(2025, 12, 20), 1)
        # Reserved by the order line, as only the billing engine links records.
        on_order_line.with_context(
            **self.env["consumption.billing"]._engine_context()
        ).sale_line_id = order.order_line.filtered("product_id")[0]

        invoices, failures = self._generate(order)

        self.assertFalse(failures)
        self.assertEqual(len(invoices), 3)
        self.assertFalse(
            on_order_line.invoice_line_id, "an order line's consumption is not billed by periods"
        )
        self.assertEqual(january.invoice_line_id.move_id, invoices[0])
        self.assertEqual(february.invoice_line_id.move_id, invoices[1])
        self.assertFalse(self._consumption_lines(invoices[2]))
        self.assertFalse(
            invoices.invoice_line_ids.filtered(lambda line: line.sale_line_ids).consumption_record_ids,
            "lines copied from the order carry no consumption",
        )

    @freeze_time("2026-01-31")
    def test_cancelled_invoice_releases_its_consumption_for_the_regenerated_one(self):
        record = self._record(D(2026, 1, 10), 3)
        order = self._create_order(recurrence_consumption="current")
        invoice, _failures = self._generate(order)
        invoice.button_draft()
        invoice.button_cancel()
        self.assertFalse(record.invoice_line_id, "cancelling the invoice releases the consumption")

        regenerated, _failures = self._generate(order)

        self.assertEqual(regenerated.recurring_period_start, D(2026, 1, 1))
        self.assertEqual(record.invoice_line_id.move_id, regenerated)
        self.assertEqual(regenerated.amount_untaxed, 210.0 + 6.0)
