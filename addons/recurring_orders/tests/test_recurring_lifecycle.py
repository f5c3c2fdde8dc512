from freezegun import freeze_time

from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged

from ..tools import engine
from .common import D
from .test_recurring_dashboard import RecurringDashboardCase


class RecurringLifecycleCase(RecurringDashboardCase):
    """Orders whose invoices are checked period by period, line by line."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product_setup = cls.env["product.product"].create(
            {
                "name": "Set-up fee",
                "type": "service",
                "list_price": 500.0,
                "invoice_policy": "order",
                "taxes_id": [Command.set(cls.tax.ids)],
                "recurrence_bill_once": True,
            }
        )

    def _order_lines(self):
        """The default lines, then a 500.00 set-up fee billed once (untaxed 710.00 on the first invoice,
        210.00 on the others)."""
        return [
            *super()._order_lines(),
            Command.create({"product_id": self.product_setup.id, "product_uom_qty": 1.0, "sequence": 5}),
        ]

    def _invoice_summary(self, invoices):
        return [
            (
                invoice.recurring_period_start,
                invoice.recurring_period_end,
                invoice.invoice_line_ids.filtered(
                    lambda line: line.display_type == "product"
                ).product_id.mapped("name"),
                invoice.amount_untaxed,
                invoice.amount_total,
            )
            for invoice in invoices
        ]

    def _flush_tracking(self):
        self.env.flush_all()
        self.env.cr.precommit.run()

    def _tracked_fields(self, record):
        record.invalidate_recordset(["message_ids"])
        return set(record.message_ids.tracking_value_ids.field_id.mapped("name"))

    def _recurring_lines(self):
        return ["Subscription", "Support option"]

    def _first_lines(self):
        return ["Subscription", "Support option", "Set-up fee"]


@tagged("post_install", "-at_install")
class TestDuplicate(RecurringLifecycleCase):
    def test_duplicate_of_an_old_order_bills_the_current_period_only(self):
        with freeze_time("2026-03-10"):
            original = self._create_order(
                recurrence_frequency="quarterly",
                recurrence_date_start=D(2024, 3, 10),
                recurrence_date_end=D(2027, 12, 31),
                recurrence_invoiced_until=D(2024, 3, 31),
                recurrence_subject="Service {MMM} {YYYY}",
            )
            invoices, failures = self._generate(original)
        self.assertFalse(failures)
        # Q1 2024 was billed outside Odoo; Q2 2024 to Q1 2026 here, the set-up fee never.
        self.assertEqual(len(invoices), 8)
        self.assertNotIn("Set-up fee", invoices.invoice_line_ids.product_id.mapped("name"))
        # Only the engine records generation errors.
        original.with_context(**engine.engine_context()).recurrence_last_error = "An old error"

        # 22:30 UTC on March 9 is already March 10 in Auckland: the copy starts on the user's day.
        with freeze_time("2026-03-09 22:30:00"):
            self.env.user.tz = "Pacific/Auckland"
            copy = original.copy()
            self.assertRecordValues(
                copy,
                [
                    {
                        "recurrence_enabled": True,
                        "recurrence_frequency": "quarterly",
                        "recurrence_date_start": D(2026, 3, 10),
                        "recurrence_date_end": False,
                        "recurrence_invoiced_until": False,
                        "recurrence_last_error": False,
                        "recurrence_subject": "Service {MMM} {YYYY}",
                        "recurrence_invoice_state": "posted",
                    }
                ],
            )
            self.assertFalse(copy.recurrence_invoice_ids)
            copy.action_confirm()
        with freeze_time("2026-03-10"):
            copies, failures = self._generate(copy)
            self.assertFalse(failures)
            self.assertEqual(
                self._invoice_summary(copies),
                [(D(2026, 1, 1), D(2026, 3, 31), self._first_lines(), 710.0, 852.0)],
            )
            self.assertEqual(copies.invoice_subject, "Service March 2026")
            self.assertFalse(self._generate(original)[0], "the original has nothing due")

    def test_copy_of_an_order_without_recurrence_is_a_plain_copy(self):
        order = self._create_order(
            confirm=False, recurrence_enabled=False, recurrence_date_end=D(2026, 6, 30)
        )
        self.assertEqual(order.copy().recurrence_date_end, D(2026, 6, 30))


@tagged("post_install", "-at_install")
class TestInvoicedUntil(RecurringLifecycleCase):
    @freeze_time("2026-04-15")
    def test_periods_ending_on_or_before_are_never_generated(self):
        order = self._create_order(
            recurrence_date_start=D(2025, 1, 10), recurrence_invoiced_until=D(2026, 2, 28)
        )
        self.assertEqual(order.recurrence_next_date, D(2026, 3, 10))
        self.assertEqual(self._row(order).missing_count, 2)
        invoices, failures = self._generate(order)
        self.assertFalse(failures)
        # The set-up fee went on the first period, billed outside Odoo.
        self.assertEqual(
            self._invoice_summary(invoices),
            [
                (D(2026, 3, 1), D(2026, 3, 31), self._recurring_lines(), 210.0, 252.0),
                (D(2026, 4, 1), D(2026, 4, 30), self._recurring_lines(), 210.0, 252.0),
            ],
        )
        self.assertEqual(self._problems(order), set())
        self.assertEqual(self._row(order).missing_count, 0)

    @freeze_time("2026-03-20")
    def test_a_period_ending_after_it_is_generated(self):
        order = self._create_order(
            recurrence_date_start=D(2026, 1, 1), recurrence_invoiced_until=D(2026, 3, 15)
        )
        self.assertEqual(self._row(order).missing_count, 1)
        invoices, _failures = self._generate(order)
        self.assertEqual(
            self._invoice_summary(invoices),
            [(D(2026, 3, 1), D(2026, 3, 31), self._recurring_lines(), 210.0, 252.0)],
        )

    @freeze_time("2026-03-20")
    def test_invoiced_until_before_the_first_period_changes_nothing(self):
        order = self._create_order(
            recurrence_date_start=D(2026, 2, 1), recurrence_invoiced_until=D(2026, 1, 31)
        )
        self.assertEqual(self._row(order).missing_count, 2)
        invoices, _failures = self._generate(order)
        self.assertEqual(
            self._invoice_summary(invoices),
            [
                (D(2026, 2, 1), D(2026, 2, 28), self._first_lines(), 710.0, 852.0),
                (D(2026, 3, 1), D(2026, 3, 31), self._recurring_lines(), 210.0, 252.0),
            ],
        )

    @freeze_time("2026-03-20")
    def test_dashboard_counts_no_missing_period_when_everything_is_covered(self):
        for frequency, start in (
            ("daily", D(2026, 3, 1)),
            ("weekly", D(2026, 1, 7)),
            ("annual", D(2020, 6, 1)),
        ):
            with self.subTest(frequency=frequency):
                order = self._create_order(
                    recurrence_frequency=frequency,
                    recurrence_date_start=start,
                    recurrence_invoiced_until=D(2026, 12, 31),
                )
                self.assertEqual(self._row(order).missing_count, 0)
                self.assertNotIn("has_missing_invoice", self._problems(order))
                self.assertGreater(order.recurrence_next_date, D(2026, 3, 20), "nothing is due")
                self.assertFalse(self._generate(order)[0])

    @freeze_time("2026-03-20")
    def test_dashboard_counts_the_uncovered_due_periods_of_each_frequency(self):
        cases = (
            # frequency, first generation, invoiced until, expected missing periods
            ("daily", D(2026, 3, 1), D(2026, 3, 17), 3),
            ("weekly", D(2026, 1, 7), D(2026, 3, 4), 3),  # the week of March 2-8 ends after March 4
            ("quarterly", D(2025, 1, 31), D(2025, 9, 30), 2),
            ("semiannual", D(2024, 1, 15), D(2025, 6, 30), 2),
        )
        for frequency, start, until, missing in cases:
            with self.subTest(frequency=frequency):
                order = self._create_order(
                    recurrence_frequency=frequency,
                    recurrence_date_start=start,
                    recurrence_invoiced_until=until,
                )
                self.assertEqual(self._row(order).missing_count, missing)
                invoices, _failures = self._generate(order)
                self.assertEqual(len(invoices), missing)
                self.assertTrue(all(invoice.recurring_period_end > until for invoice in invoices))
                self.assertEqual(self._row(order).missing_count, 0)

    @freeze_time("2026-03-20")
    def test_preview_shows_the_periods_billed_before(self):
        order = self._create_order(confirm=False, recurrence_date_start=D(2026, 1, 1))
        with Form(order) as form:
            form.recurrence_invoiced_until = D(2026, 2, 28)
            preview = form.recurrence_preview
        self.assertIn("billed before", preview)
        self.assertIn("03/01/2026 - 03/31/2026", preview)
        self.assertNotIn("01/01/2026 - 01/31/2026", preview)
        self.assertNotIn("bill-once", preview, "the first period was billed outside Odoo")

    def test_invoiced_until_is_tracked(self):
        order = self._create_order(confirm=False)
        self._flush_tracking()  # a record is tracked from the transaction after its creation
        order.recurrence_invoiced_until = D(2025, 12, 31)
        self._flush_tracking()
        self.assertIn("recurrence_invoiced_until", self._tracked_fields(order))


@tagged("post_install", "-at_install")
class TestBillOnce(RecurringLifecycleCase):
    def test_product_gives_the_default(self):
        order = self._create_order(confirm=False)
        self.assertEqual(
            order.order_line.filtered("product_id").mapped("recurrence_bill_once"), [False, False, True]
        )

    def test_catch_up_bills_once_lines_on_the_oldest_period_only(self):
        with freeze_time("2026-03-10"):
            order = self._create_order()
            invoices, failures = self._generate(order)
            self.assertFalse(failures)
            self.assertEqual(
                self._invoice_summary(invoices),
                [
                    (D(2026, 1, 1), D(2026, 1, 31), self._first_lines(), 710.0, 852.0),
                    (D(2026, 2, 1), D(2026, 2, 28), self._recurring_lines(), 210.0, 252.0),
                    (D(2026, 3, 1), D(2026, 3, 31), self._recurring_lines(), 210.0, 252.0),
                ],
            )
            self.assertTrue(all(invoice.state == "posted" for invoice in invoices))
            self.assertEqual(order.order_line.filtered("recurrence_bill_once").qty_invoiced, 1.0)
            self.assertEqual(self._problems(order), set())
        with freeze_time("2026-04-01"):
            april, _failures = self._generate(order)
            self.assertEqual(
                self._invoice_summary(april),
                [(D(2026, 4, 1), D(2026, 4, 30), self._recurring_lines(), 210.0, 252.0)],
            )

    @freeze_time("2026-01-05")
    def test_first_invoice_with_once_lines_is_no_amount_discrepancy(self):
        order = self._create_order()
        invoice, _failures = self._generate(order)
        self.assertEqual(invoice.amount_untaxed, 710.0)
        row = self._row(order)
        self.assertEqual(row.amount_untaxed, 210.0)
        self.assertEqual(row.amount_total, 252.0)
        self.assertEqual(row.last_invoice_amount, 210.0)
        self.assertFalse(row.has_amount_discrepancy)

    @freeze_time("2026-02-05")
    def test_cancelled_first_invoice_gives_the_once_lines_back(self):
        order = self._create_order(recurrence_invoice_state="draft")
        invoices, _failures = self._generate(order)
        invoices[0].button_cancel()
        again, _failures = self._generate(order)
        self.assertEqual(
            self._invoice_summary(again),
            [(D(2026, 1, 1), D(2026, 1, 31), self._first_lines(), 710.0, 852.0)],
        )

    @freeze_time("2026-03-20")
    def test_once_lines_of_a_migrated_contract_are_never_billed(self):
        order = self._create_order(recurrence_invoiced_until=D(2026, 1, 31))
        invoices, _failures = self._generate(order)
        self.assertEqual(
            self._invoice_summary(invoices),
            [
                (D(2026, 2, 1), D(2026, 2, 28), self._recurring_lines(), 210.0, 252.0),
                (D(2026, 3, 1), D(2026, 3, 31), self._recurring_lines(), 210.0, 252.0),
            ],
        )
        self.assertEqual(self._problems(order), set())

    @freeze_time("2026-01-05")
    def test_journal_items_match_the_synchronised_ones(self):
        """The complete journal items built before create() hold the once-line's amounts."""
        order = self._create_order()
        invoice, _failures = self._generate(order)
        receivable = invoice.line_ids.filtered(lambda line: line.display_type == "payment_term")
        tax = invoice.line_ids.filtered(lambda line: line.display_type == "tax")
        self.assertEqual(sum(receivable.mapped("debit")), 852.0)
        self.assertEqual(sum(tax.mapped("credit")), 142.0)

    @freeze_time("2026-01-05")
    def test_preview_marks_the_invoice_with_the_once_lines(self):
        order = self._create_order(confirm=False)
        self.assertEqual(order.recurrence_preview.count("bill-once"), 1)
        self.assertIn("Set-up fee", order.recurrence_preview)
        order.action_confirm()
        self._generate(order)
        order.invalidate_recordset(["recurrence_preview"])
        self.assertNotIn("bill-once", order.recurrence_preview)


@tagged("post_install", "-at_install")
class TestRecurrenceTracking(RecurringLifecycleCase):
    def test_every_recurrence_setting_is_tracked(self):
        order = self._create_order(confirm=False)
        self._flush_tracking()
        changes = {
            "recurrence_invoice_state": "sent",
            "recurrence_subject": "Service {MMM}",
            "recurrence_date_preference": "period_end",
            "recurrence_payment_term_id": self.env.ref("account.account_payment_term_15days").id,
            "recurrence_consumption": "previous",
            "recurrence_consumption_domain": "[('quantity', '>', 0)]",
            "recurrence_consumption_grouping": "month",
            "recurrence_bill_parent": True,
            "recurrence_invoiced_until": D(2025, 12, 31),
        }
        order.write(changes)
        self._flush_tracking()
        self.assertEqual(self._tracked_fields(order) & set(changes), set(changes))


@tagged("post_install", "-at_install")
class TestErrorActivity(RecurringLifecycleCase):
    def _error_activities(self, orders):
        return self.env["mail.activity"].search(
            [("res_model", "=", "sale.order"), ("res_id", "in", orders.ids)]
        )

    def test_one_todo_per_failing_order_done_when_it_succeeds(self):
        salesperson = new_test_user(self.env, "recurring.seller", groups="sales_team.group_sale_salesman")
        gone = self.env["res.partner"].create({"name": "Gone Customer", "email": "gone@example.com"})
        with freeze_time("2026-01-05"):
            failing = self._create_order(partner=gone, user_id=salesperson.id)
            orphan = self._create_order(partner=gone, user_id=False)
            healthy = self._create_order()
            gone.active = False
            invoices, failures = self._generate(failing | orphan | healthy)
        self.assertEqual(set(failures), {failing, orphan})
        self.assertEqual(invoices.recurring_order_id, healthy)
        activities = self._error_activities(failing | orphan | healthy)
        self.assertEqual(len(activities), 2)
        activity = failing.recurrence_error_activity_id
        self.assertRecordValues(
            activity,
            [
                {
                    "res_id": failing.id,
                    "user_id": salesperson.id,
                    "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
                    "summary": "Recurring invoicing failed",
                }
            ],
        )
        self.assertIn("archived", activity.note)
        billing_users = orphan.recurrence_error_activity_id.user_id
        self.assertTrue(billing_users.has_group("account.group_account_invoice"))

        with freeze_time("2026-02-05"):
            _invoices, failures = self._generate(failing | orphan)
        self.assertEqual(set(failures), {failing, orphan})
        self.assertEqual(self._error_activities(failing | orphan), activities, "no new To-Do at every run")

        gone.active = True
        with freeze_time("2026-02-06"):
            invoices, failures = self._generate(failing)
        self.assertFalse(failures)
        self.assertEqual(len(invoices), 2)
        self.assertFalse(activity.active, "marked done")
        self.assertFalse(failing.recurrence_error_activity_id)
        self.assertEqual(self._error_activities(failing | orphan), orphan.recurrence_error_activity_id)

    @freeze_time("2026-01-05")
    def test_a_todo_done_by_hand_is_scheduled_again_on_the_next_failure(self):
        gone = self.env["res.partner"].create({"name": "Gone Customer", "email": "gone@example.com"})
        order = self._create_order(partner=gone)
        gone.active = False
        self._generate(order)
        first = order.recurrence_error_activity_id
        first.action_feedback()
        self._generate(order)
        self.assertTrue(order.recurrence_error_activity_id.active)
        self.assertNotEqual(order.recurrence_error_activity_id, first)

    def test_a_sending_failure_schedules_a_todo(self):
        no_email = self.env["res.partner"].create({"name": "No Email Ltd", "is_company": True})
        with freeze_time("2026-01-05"):
            order = self._create_order(partner=no_email, recurrence_invoice_state="sent")
            invoices, failures = self._generate(order)
        self.assertEqual(len(invoices), 1)
        self.assertIn("no email address", order.recurrence_error_activity_id.note)
        no_email.email = "billing@no-email.example"
        with freeze_time("2026-01-06"):
            _invoices, failures = self._generate(order)
        self.assertFalse(failures)
        self.assertFalse(order.recurrence_error_activity_id)


@tagged("post_install", "-at_install")
class TestSending(RecurringLifecycleCase):
    def _emails(self, invoice):
        return invoice.message_ids.filtered(lambda message: message.message_type == "comment")

    @freeze_time("2026-01-05")
    def test_email_subject_is_the_invoice_subject_in_the_customer_language(self):
        with_subject = self._create_order(
            partner=self.customer_fr,
            recurrence_invoice_state="sent",
            recurrence_subject="Abonnement {MMM} {YYYY}",
        )
        without_subject = self._create_order(recurrence_invoice_state="sent")
        invoices, failures = self._generate(with_subject | without_subject)
        self.assertFalse(failures)
        by_order = {invoice.recurring_order_id: invoice for invoice in invoices}
        self.assertEqual(self._emails(by_order[with_subject]).subject, "Abonnement janvier 2026")
        self.assertIn(by_order[without_subject].name, self._emails(by_order[without_subject]).subject)

    @freeze_time("2026-01-05")
    def test_sent_honours_the_customer_sending_method(self):
        by_hand = self.env["res.partner"].create({"name": "Paper Only SA", "is_company": True})
        by_hand.with_company(self.company).invoice_sending_method = "manual"
        order = self._create_order(partner=by_hand, recurrence_invoice_state="sent")
        invoice, failures = self._generate(order)
        self.assertFalse(failures, "no email address is needed by a customer who is not emailed")
        self.assertRecordValues(
            invoice, [{"state": "posted", "is_move_sent": True, "recurring_sending_failed": False}]
        )
        self.assertTrue(invoice.invoice_pdf_report_id, "the document is ready to print")
        self.assertFalse(self._emails(invoice))
        self.assertFalse(order.recurrence_error_activity_id)
        self.assertEqual(self._problems(order), set(), "no email address is missing")
        by_hand.with_company(self.company).invoice_sending_method = "email"
        self.assertEqual(self._problems(order), {"has_missing_email"})
