"""The demo data a newcomer learns from (``setup/run``): recurring orders over every frequency with months of
invoices made by the generator at install, each dashboard problem once, a French subject, a parent company
billed, a price list with a 0 rule and a tier. Read as of the day the database was made (the demo's dates
are relative to it), so a test database kept for days still checks what its install made."""

import datetime

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo.tests import TransactionCase, tagged

from ..tools import periods, subject
from .test_recurring_dashboard import PROBLEM_FIELDS
from .test_subject import FRENCH_MONTHS

# xmlid: (frequency, invoice date preference, the dashboard problem the order shows, or None)
DEMO_ORDERS = {
    "demo_order_maintenance": ("monthly", "period_start", None),
    "demo_order_hosting_parent": ("quarterly", "next_period_start", None),
    "demo_order_portal_telecom": ("monthly", "period_start", None),
    "demo_order_backup_daily": ("daily", "period_start", None),
    "demo_order_cleaning_weekly": ("weekly", "period_start", None),
    "demo_order_license_semiannual": ("semiannual", "previous_period_end", None),
    "demo_order_support_annual": ("annual", "period_start", None),
    "demo_order_missing_invoice": ("monthly", "next_period_end", "has_missing_invoice"),
    "demo_order_duplicate": ("monthly", "period_start", "has_duplicate_invoice"),
    "demo_order_price_change": ("monthly", "period_end", "has_amount_discrepancy"),
    "demo_order_no_email": ("quarterly", "period_start", "has_missing_email"),
    "demo_order_no_parent": ("monthly", "generation", "has_inconsistency"),
    "demo_order_sending_failed": ("annual", "period_start", "has_generation_error"),
    "demo_order_no_consumption": ("monthly", "period_end", "has_no_consumption"),
}


@tagged("post_install", "-at_install")
class TestDemo(TransactionCase):
    def setUp(self):
        super().setUp()
        if not self.env.ref("recurring_orders.demo_order_no_consumption", raise_if_not_found=False):
            self.skipTest("the database has no demo data")
        self.orders = {xmlid: self.env.ref(f"recurring_orders.{xmlid}") for xmlid in DEMO_ORDERS}
        self.all_orders = self.env["sale.order"].concat(*self.orders.values())
        # The moment the demo was installed: its dates (``DateTime.today()`` of the server) count from it.
        self.installed_at = min(self.all_orders.mapped("create_date"))
        self.today = self.installed_at.date()

    def _generated_invoices(self, order):
        return order.recurrence_invoice_ids.filtered(lambda move: move.state != "cancel").sorted(
            "recurring_period_start"
        )

    def test_every_frequency_and_every_invoice_date_preference(self):
        self.assertEqual(
            set(self.all_orders.mapped("recurrence_frequency")),
            {"daily", "weekly", "monthly", "quarterly", "semiannual", "annual"},
        )
        self.assertEqual(
            set(self.all_orders.mapped("recurrence_date_preference")),
            {key for key, _label in self.env["sale.order"]._fields["recurrence_date_preference"].selection},
        )
        for xmlid, (frequency, preference, _problem) in DEMO_ORDERS.items():
            order = self.orders[xmlid]
            with self.subTest(order=xmlid):
                self.assertEqual(
                    (order.recurrence_frequency, order.recurrence_date_preference), (frequency, preference)
                )
                self.assertEqual(order.state, "sale")
                self.assertTrue(order.recurrence_enabled)

    def test_each_order_has_3_to_12_months_of_invoices_generated_at_install(self):
        for xmlid, order in self.orders.items():
            with self.subTest(order=xmlid):
                start = order.recurrence_date_start
                self.assertLessEqual(self.today - relativedelta(months=12), start)
                self.assertLessEqual(start, self.today - relativedelta(months=3))
                invoices = self._generated_invoices(order)
                # Every period from the start to the install day has its invoice (but the one cancelled).
                due = list(order._recurrence_generation_dates(until=self.today))
                missing = 1 if xmlid == "demo_order_missing_invoice" else 0
                self.assertEqual(len(invoices), len(due) - missing)
                self.assertEqual(
                    invoices[0].recurring_period_start, order._recurrence_period_bounds(start)[0]
                )
                self.assertLessEqual(invoices[-1].recurring_period_start, self.today)
                for invoice in invoices:
                    if order.recurrence_date_preference == "generation":
                        # A late generation is dated the day it runs: the catch-up, the install day.
                        expected = max(invoice.recurring_period_start, self.today)
                    else:
                        expected = periods.document_date(
                            invoice.recurring_period_start,
                            order.recurrence_frequency,
                            order.recurrence_date_preference,
                            alignment=order.recurrence_period_alignment,
                            start=start,
                        )
                    self.assertEqual(invoice.invoice_date, expected, invoice.name)
                self.assertEqual(
                    set(invoices.mapped("state")),
                    {"draft" if order.recurrence_invoice_state == "draft" else "posted"},
                )

    def test_the_dashboard_shows_each_problem_exactly_once(self):
        dashboard = self.env["recurring.dashboard"]
        ours = [("order_id", "in", self.all_orders.ids)]
        with freeze_time(self.installed_at):
            rows = dashboard.search(ours)
            self.assertEqual(rows.order_id, self.all_orders)
            for xmlid, (_frequency, _preference, problem) in DEMO_ORDERS.items():
                row = rows.filtered(lambda row, xmlid=xmlid: row.order_id == self.orders[xmlid])
                with self.subTest(order=xmlid):
                    shown = {name for name in PROBLEM_FIELDS if row[name]}
                    self.assertEqual(shown, {problem} if problem else set(), row.problems)
            counts = dashboard.get_problem_counts(ours)
        self.assertEqual(
            {problem["field"]: problem["count"] for problem in counts["problems"]},
            dict.fromkeys(PROBLEM_FIELDS, 1),
        )
        self.assertEqual((counts["total"], counts["with_problems"]), (len(DEMO_ORDERS), len(PROBLEM_FIELDS)))

    def test_each_problem_is_the_situation_it_describes(self):
        orders = self.orders
        today = self.today
        cancelled = orders["demo_order_missing_invoice"].recurrence_invoice_ids.filtered(
            lambda move: move.state == "cancel"
        )
        self.assertEqual(cancelled.recurring_period_start, today.replace(day=1))
        by_hand = self.env.ref("recurring_orders.demo_invoice_duplicate_by_hand")
        self.assertFalse(by_hand.recurring_order_id)
        self.assertEqual(by_hand.invoice_line_ids.sale_line_ids.order_id, orders["demo_order_duplicate"])
        billed_twice = self._generated_invoices(orders["demo_order_duplicate"]).filtered(
            lambda move: move.recurring_period_start <= by_hand.invoice_date <= move.recurring_period_end
        )
        self.assertEqual(len(billed_twice), 1)
        price_change = orders["demo_order_price_change"]
        self.assertEqual(self._generated_invoices(price_change)[-1].amount_untaxed, 120.0)
        self.assertEqual(price_change.amount_untaxed, 135.0)
        no_email = orders["demo_order_no_email"]
        self.assertEqual(no_email.recurrence_invoice_state, "sent")
        self.assertFalse(no_email.recurrence_invoice_partner_id.email)
        no_parent = orders["demo_order_no_parent"]
        self.assertTrue(no_parent.recurrence_bill_parent)
        self.assertFalse(no_parent.partner_id.parent_id)
        self.assertEqual(self._generated_invoices(no_parent).partner_id, no_parent.partner_id)
        failed = orders["demo_order_sending_failed"]
        self.assertIn("has no email address", failed.recurrence_last_error)
        unsent = self._generated_invoices(failed)
        self.assertEqual(unsent.mapped("state"), ["posted"])
        self.assertTrue(unsent.recurring_sending_failed)
        self.assertFalse(unsent.is_move_sent)
        self.assertTrue(failed.partner_id.email, "fixed since: the next run sends it")
        self.assertTrue(failed.recurrence_error_activity_id)

    def test_french_subjects_of_a_subsidiary_billed_to_its_holding(self):
        order = self.orders["demo_order_hosting_parent"]
        holding = self.env.ref("recurring_orders.demo_partner_horizon_group")
        self.assertTrue(order.partner_id.is_company)
        self.assertEqual(order.partner_id.parent_id, holding)
        self.assertTrue(order.recurrence_bill_parent)
        self.assertEqual(order.recurrence_invoice_partner_id, holding)
        self.assertEqual(holding.lang, "fr_FR")
        self.assertNotIn("lang_", order.recurrence_subject, "the language is the holding's, not forced")
        invoices = self._generated_invoices(order)
        self.assertEqual(invoices.partner_id, holding)
        for invoice in invoices:
            day = invoice.invoice_date
            self.assertEqual(
                invoice.invoice_subject,
                f"Hébergement T{(day.month - 1) // 3 + 1} {day.year} ({FRENCH_MONTHS[day.month - 1]})",
            )
        self.assertEqual(
            subject.render_subject("{MMM}", datetime.date(2026, 3, 1), lang=order._recurrence_subject_lang()),
            "mars",
        )

    def test_price_list_rule_at_0_and_tier_as_documented(self):
        acme = self.env.ref("base.res_partner_2")
        pricelist = self.env.ref("consumption_billing.demo_pricelist_usage")
        bank = self.env.ref("consumption_billing.product_bank_charges")
        phone = self.env.ref("consumption_billing.product_telephone_units")
        zero_rule = self.env.ref("consumption_billing.demo_pricelist_rule_bank_included")
        tier_rule = self.env.ref("consumption_billing.demo_pricelist_rule_telephone_tier")
        self.assertEqual(acme.property_product_pricelist, pricelist)
        bank_price, tier_price, below_tier = self.env["product.pricelist"].resolve_billing_prices(
            [
                {"partner_id": acme.id, "product_id": bank.id, "quantity": 12},
                {"partner_id": acme.id, "product_id": phone.id, "quantity": 800},
                {"partner_id": acme.id, "product_id": phone.id, "quantity": 450},
            ]
        )
        self.assertEqual(
            (bank_price["price"], bank_price["source"], bank_price["rule_id"]),
            (0.0, "pricelist", zero_rule.id),
        )
        self.assertEqual(
            (tier_price["price"], tier_price["source"], tier_price["rule_id"]),
            (0.1, "pricelist", tier_rule.id),
        )
        self.assertEqual((below_tier["price"], below_tier["source"]), (0.12, "catalog"))
        # The telecom order bills last month's consumption: 420 + 380 units on one line reach the tier, the
        # month before 260 + 190 do not; bank charges are included (0).
        invoices = self._generated_invoices(self.orders["demo_order_portal_telecom"])
        last, previous = invoices[-1], invoices[-2]
        phone_line = last.invoice_line_ids.filtered(lambda line: line.product_id == phone)
        self.assertEqual(
            (phone_line.quantity, phone_line.price_unit, phone_line.price_source), (800.0, 0.1, "pricelist")
        )
        bank_line = last.invoice_line_ids.filtered(lambda line: line.product_id == bank)
        self.assertEqual((bank_line.price_unit, bank_line.price_source), (0.0, "pricelist"))
        phone_line = previous.invoice_line_ids.filtered(lambda line: line.product_id == phone)
        self.assertEqual(
            (phone_line.quantity, phone_line.price_unit, phone_line.price_source), (450.0, 0.12, "catalog")
        )

    def test_three_months_of_consumption_over_several_customers_and_products(self):
        Record = self.env["consumption.record"]
        for months_back in (1, 2, 3):
            first = self.today.replace(day=1) - relativedelta(months=months_back)
            records = Record.search(
                [("date", ">=", first), ("date", "<", first + relativedelta(months=1)), ("active", "=", True)]
            )
            with self.subTest(months_back=months_back):
                self.assertGreaterEqual(len(records.partner_id.commercial_partner_id), 3)
                self.assertGreaterEqual(len(records.product_id), 3)
        source = self.env.ref("consumption_billing.demo_source_meter_feed")
        self.assertFalse(source.active, "no meter server to reach: the example is archived")
        self.assertFalse(source.run_ids)
