"""Generation of recurring invoices: contents, catch-up, idempotence, cancelled periods, partners, states."""

import psycopg2.errors
from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..tools import engine
from .common import D, RecurringOrdersCase


@tagged("post_install", "-at_install")
class TestRecurringGeneration(RecurringOrdersCase):
    @freeze_time("2026-01-05")
    def test_invoice_copies_the_order(self):
        order = self._create_order(
            recurrence_subject="Subscription {MMM} {YYYY}", recurrence_date_preference="period_start"
        )
        term = self.env.ref("account.account_payment_term_30days")
        order.recurrence_payment_term_id = term

        invoices, failures = self._generate(order)

        self.assertFalse(failures)
        self.assertEqual(len(invoices), 1)
        invoice = invoices
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.partner_id, self.customer_en)
        self.assertEqual(invoice.invoice_date, D(2026, 1, 1))
        self.assertEqual(invoice.invoice_date_due, D(2026, 1, 31))
        self.assertEqual(invoice.invoice_payment_term_id, term)
        self.assertEqual(invoice.invoice_subject, "Subscription January 2026")
        self.assertEqual(invoice.invoice_origin, order.name)
        self.assertEqual(
            (invoice.recurring_period_start, invoice.recurring_period_end), (D(2026, 1, 1), D(2026, 1, 31))
        )
        self.assertEqual(invoice.amount_untaxed, 210.0)
        self.assertEqual(invoice.amount_tax, 42.0)
        self.assertEqual(invoice.amount_total, 252.0)
        lines = invoice.invoice_line_ids.sorted("sequence")
        self.assertEqual(
            [(line.display_type, line.name) for line in lines if line.display_type != "product"],
            [("line_section", "Monthly services"), ("line_note", "Support by email only")],
        )
        subscription = lines.filtered(lambda line: line.product_id == self.product_subscription)
        self.assertEqual(
            (
                subscription.quantity,
                subscription.price_unit,
                subscription.discount,
                subscription.price_subtotal,
            ),
            (2.0, 100.0, 10.0, 180.0),
        )
        self.assertEqual(subscription.tax_ids, self.tax)
        self.assertEqual(subscription.analytic_distribution, {str(self.analytic_account.id): 100.0})
        self.assertEqual(
            subscription.sale_line_ids,
            order.order_line.filtered(lambda line: line.product_id == self.product_subscription),
        )

    @freeze_time("2026-02-03")
    def test_order_status_and_quantities_stay_meaningful(self):
        order = self._create_order()
        self.assertEqual(order.invoice_status, "no", "nothing to invoice by hand: the recurrence bills")
        self.assertEqual(order.order_line.mapped("qty_to_invoice"), [0.0] * 4)

        invoices, _failures = self._generate(order)

        self.assertEqual(len(invoices), 2)
        self.assertEqual(order.invoice_count, 2)
        self.assertEqual(order.invoice_ids, invoices)
        subscription = order.order_line.filtered(lambda line: line.product_id == self.product_subscription)
        self.assertEqual(subscription.qty_invoiced, 4.0, "2 units x 2 periods")
        self.assertEqual(subscription.qty_to_invoice, 0.0)
        self.assertEqual(subscription.amount_to_invoice, 0.0)
        self.assertEqual(subscription.untaxed_amount_invoiced, 360.0)
        self.assertEqual(order.invoice_status, "invoiced")

    def test_catch_up_three_missed_months_then_rerun_creates_nothing(self):
        order = self._create_order(
            recurrence_date_start=D(2026, 1, 15),
            recurrence_subject="Subscription {MMM} {YYYY}",
            recurrence_date_preference="period_end",
        )
        with freeze_time("2026-01-15"):
            january, _failures = self._generate(order)
        self.assertEqual(january.invoice_subject, "Subscription January 2026")

        # The cron does not run from January 16 to April 20.
        with freeze_time("2026-04-20"):
            self.assertEqual(order.recurrence_next_date, D(2026, 2, 15))
            missed, failures = self._generate(order)
            rerun, _failures = self._generate(order)

        self.assertFalse(failures)
        self.assertEqual(len(missed), 3)
        self.assertEqual(
            missed.mapped("recurring_period_start"), [D(2026, 2, 1), D(2026, 3, 1), D(2026, 4, 1)]
        )
        self.assertEqual(missed.mapped("invoice_date"), [D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30)])
        self.assertEqual(
            missed.mapped("invoice_subject"),
            ["Subscription February 2026", "Subscription March 2026", "Subscription April 2026"],
        )
        self.assertEqual(missed.mapped("amount_total"), [252.0] * 3)
        self.assertEqual(
            missed.sorted("id").mapped("recurring_period_start"),
            missed.mapped("recurring_period_start"),
            "oldest first",
        )
        self.assertFalse(rerun)
        self.assertEqual(len(order.recurrence_invoice_ids), 4)
        self.assertEqual(order.recurrence_next_date, D(2026, 5, 15))

    @freeze_time("2026-04-20")
    def test_catch_up_with_generation_preference_dates_invoices_today(self):
        order = self._create_order(recurrence_subject="{MMM}", recurrence_date_preference="generation")
        invoices, _failures = self._generate(order)
        self.assertEqual(invoices.mapped("invoice_date"), [D(2026, 4, 20)] * 4)
        self.assertEqual(invoices.mapped("invoice_subject"), ["April"] * 4)

    @freeze_time("2026-03-10")
    def test_cancelled_invoice_frees_its_period(self):
        order = self._create_order()
        invoices, _failures = self._generate(order)
        february = invoices.filtered(lambda move: move.recurring_period_start == D(2026, 2, 1))
        february.button_draft()
        february.button_cancel()
        self.assertEqual(order.recurrence_next_date, D(2026, 2, 1))

        regenerated, _failures = self._generate(order)

        self.assertEqual(len(regenerated), 1)
        self.assertEqual(regenerated.recurring_period_start, D(2026, 2, 1))
        self.assertEqual(regenerated.amount_total, 252.0)
        self.assertEqual(
            self._active_invoices(order).mapped("recurring_period_start"),
            [D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)],
        )
        self.assertEqual(order.recurrence_next_date, D(2026, 4, 1))

    @freeze_time("2026-01-01")
    @mute_logger("odoo.sql_db")
    def test_database_refuses_a_second_invoice_for_a_period(self):
        order = self._create_order(recurrence_invoice_state="draft")
        invoice, _failures = self._generate(order)
        duplicate_values = {
            "move_type": "out_invoice",
            "partner_id": order.partner_id.id,
            "recurring_order_id": order.id,
            "recurring_period_start": D(2026, 1, 1),
            "invoice_line_ids": [Command.create({"name": "Duplicate", "quantity": 1, "price_unit": 1})],
        }
        # The index guards even the engine's own writes (the only ones that may set these fields).
        as_engine = self.env["account.move"].with_context(**engine.engine_context())
        with self.assertRaises(psycopg2.errors.UniqueViolation), self.env.cr.savepoint():
            as_engine.create(duplicate_values)

        invoice.button_cancel()
        invoice.flush_recordset()
        replacement = as_engine.create(duplicate_values)
        self.assertEqual(replacement.recurring_period_start, D(2026, 1, 1))

    @freeze_time("2026-01-01")
    def test_parent_company_is_invoiced(self):
        contact = self.env["res.partner"].create(
            {"name": "Paul Contact", "parent_id": self.customer_fr.id, "type": "contact"}
        )
        subsidiary = self._create_order(partner=self.customer_fr, recurrence_bill_parent=True)
        contact_order = self._create_order(partner=contact, recurrence_bill_parent=True)
        orphan = self._create_order(partner=self.holding, recurrence_bill_parent=True)
        not_asked = self._create_order(partner=self.customer_fr)

        invoices, _failures = self._generate(subsidiary | contact_order | orphan | not_asked)

        by_order = {invoice.recurring_order_id: invoice.partner_id for invoice in invoices}
        self.assertEqual(by_order[subsidiary], self.holding, "a subsidiary company is billed to its holding")
        self.assertEqual(by_order[contact_order], self.customer_fr, "a contact is billed to its company")
        self.assertEqual(by_order[orphan], self.holding, "no parent: the customer itself")
        self.assertEqual(by_order[not_asked], self.customer_fr)
        self.assertEqual(subsidiary.recurrence_invoice_partner_id, self.holding)

    @freeze_time("2026-01-01")
    def test_draft_posted_and_sent(self):
        draft = self._create_order(recurrence_invoice_state="draft")
        posted = self._create_order(recurrence_invoice_state="posted")
        sent = self._create_order(recurrence_invoice_state="sent", recurrence_subject="Abonnement {MMM}")

        invoices, failures = self._generate(draft | posted | sent)

        self.assertFalse(failures)
        by_order = {invoice.recurring_order_id: invoice for invoice in invoices}
        self.assertEqual(by_order[draft].state, "draft")
        self.assertEqual(by_order[posted].state, "posted")
        self.assertFalse(by_order[posted].is_move_sent)
        self.assertEqual(by_order[sent].state, "posted")
        self.assertTrue(by_order[sent].is_move_sent)
        email = by_order[sent].message_ids.filtered(lambda message: message.message_type == "comment")
        self.assertEqual(len(email), 1)
        self.assertIn(self.customer_en, email.partner_ids)
        self.assertTrue(email.attachment_ids, "the invoice document is attached")

    def test_sending_failure_keeps_the_invoice_and_is_reported(self):
        with freeze_time("2026-01-01"):
            # January's invoice is only posted: it is never emailed later.
            order = self._create_order()
            january, _failures = self._generate(order)
        self.customer_en.email = False
        order.recurrence_invoice_state = "sent"
        with freeze_time("2026-02-01"):
            february, failures = self._generate(order)

        self.assertEqual(february.state, "posted")
        self.assertFalse(february.is_move_sent)
        self.assertTrue(february.recurring_sending_failed)
        self.assertIn("no email address", failures[order])
        self.assertIn("no email address", order.recurrence_last_error)
        self.assertEqual(order.recurrence_next_date, D(2026, 3, 1), "the period is invoiced, not again")
        failure_notes = order.message_ids.filtered(lambda message: "generation failed" in message.body)
        self.assertEqual(len(failure_notes), 1)

        with freeze_time("2026-02-10"):
            # Still failing: the same error is kept, the chatter does not get it again.
            again, failures = self._generate(order)
            self.assertFalse(again)
            self.assertIn("no email address", failures[order])
            self.assertEqual(
                order.message_ids.filtered(lambda message: "generation failed" in message.body),
                failure_notes,
            )
            # Fixed: the next run sends the invoice it could not send, and only that one.
            self.customer_en.email = "customer.en@example.com"
            again, failures = self._generate(order)
        self.assertFalse(again)
        self.assertEqual(failures, {})
        self.assertTrue(february.is_move_sent)
        self.assertFalse(february.recurring_sending_failed)
        self.assertFalse(january.is_move_sent, "an invoice that never failed to send is not sent")
        self.assertFalse(order.recurrence_last_error)
        self.assertEqual(order.recurrence_invoice_ids, january | february)

    def test_invoice_left_unsent_goes_with_the_next_period(self):
        """Fixed only when the next period is due: both invoices are sent by that run."""
        self.customer_en.email = False
        with freeze_time("2026-01-01"):
            order = self._create_order(recurrence_invoice_state="sent")
            january, _failures = self._generate(order)
        self.assertTrue(january.recurring_sending_failed)
        self.customer_en.email = "customer.en@example.com"
        with freeze_time("2026-02-01"):
            february, failures = self._generate(order)
        self.assertEqual(failures, {})
        self.assertEqual((january | february).mapped("is_move_sent"), [True, True])
        self.assertFalse(january.recurring_sending_failed)
        self.assertFalse(order.recurrence_last_error)

    @freeze_time("2026-02-01")
    def test_one_bad_order_does_not_stop_the_others(self):
        good_before = self._create_order()
        archived_customer = self.env["res.partner"].create(
            {"name": "Gone Customer", "email": "gone@example.com"}
        )
        archived = self._create_order(partner=archived_customer)
        negative = self._create_order()
        negative.order_line.filtered(lambda line: line.product_id == self.product_option).price_unit = -500.0
        good_after = self._create_order()
        archived_customer.active = False

        invoices, failures = self._generate(good_before | archived | negative | good_after)

        self.assertEqual(invoices.recurring_order_id, good_before | good_after)
        self.assertEqual(len(invoices), 4, "two months for each good order")
        self.assertEqual(set(failures), {archived, negative})
        self.assertIn("archived", archived.recurrence_last_error)
        self.assertTrue(negative.recurrence_last_error)
        self.assertTrue(negative.recurrence_last_error_date)
        self.assertFalse(negative.recurrence_invoice_ids, "nothing half written")
        self.assertIn("Recurring invoice generation failed", archived.message_ids[0].body)
        self.assertEqual(negative.recurrence_next_date, D(2026, 1, 1))

        # Fixed, they are generated on the next run, and the error is cleared.
        archived_customer.active = True
        negative.order_line.filtered(lambda line: line.product_id == self.product_option).price_unit = 30.0
        fixed, failures = self._generate(archived | negative)
        self.assertFalse(failures)
        self.assertEqual(len(fixed), 4)
        self.assertFalse(archived.recurrence_last_error)
        self.assertFalse(negative.recurrence_last_error)

    @freeze_time("2026-01-01")
    def test_button_runs_with_the_user_rights_and_reports(self):
        accountant = self.env["res.users"].create(
            {
                "name": "Recurring Accountant",
                "login": "recurring_accountant",
                "group_ids": [
                    Command.set(
                        [
                            self.env.ref("sales_team.group_sale_salesman_all_leads").id,
                            self.env.ref("account.group_account_invoice").id,
                        ]
                    )
                ],
            }
        )
        order = self._create_order()

        action = order.with_user(accountant).action_generate_due_invoices()

        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(len(order.recurrence_invoice_ids), 1)
        self.assertEqual(order.recurrence_invoice_ids.create_uid, accountant)
        action = order.with_user(accountant).action_generate_due_invoices()
        self.assertEqual(action["params"]["type"], "info", "nothing due any more")

    @freeze_time("2026-01-01")
    def test_button_refuses_a_salesperson_without_invoicing_rights(self):
        salesperson = new_test_user(
            self.env, login="recurring_button_salesperson", groups="sales_team.group_sale_salesman_all_leads"
        )
        order = self._create_order()

        with self.assertRaisesRegex(AccessError, "not allowed to create invoices"):
            order.with_user(salesperson).action_generate_due_invoices()

        self.assertFalse(order.recurrence_invoice_ids)
        self.assertFalse(order.recurrence_last_error, "a refused click is not a failed generation")
        self.assertEqual(order.recurrence_next_date, D(2026, 1, 1))

    @freeze_time("2026-01-01")
    def test_cron_generates_every_due_order(self):
        cron = self.env.ref("recurring_orders.ir_cron_generate_recurring_invoices")
        self.assertEqual(cron.code, "model._cron_generate_recurring_invoices()")
        order = self._create_order()
        later = self._create_order(recurrence_date_start=D(2026, 2, 1))

        invoices, _failures = self.env["sale.order"]._generate_recurring_invoices()

        self.assertIn(order, invoices.recurring_order_id)
        self.assertNotIn(later, invoices.recurring_order_id)
        self.assertFalse(
            self.env["sale.order"].search(
                [("id", "in", (order | later).ids), ("recurrence_next_date", "<=", D(2026, 1, 1))]
            )
        )

    @freeze_time("2026-01-01")
    def test_subject_printed_on_the_invoice(self):
        order = self._create_order(partner=self.customer_fr, recurrence_subject="Abonnement {MMM} {YYYY}")
        invoice, _failures = self._generate(order)

        html = self.env["ir.actions.report"]._render_qweb_html("account.account_invoices", invoice.ids)[0]

        self.assertIn(b"Abonnement janvier 2026", html)
        self.assertIn(b'name="invoice_subject"', html)
