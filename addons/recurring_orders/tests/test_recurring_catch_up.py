"""A start date far in the past is caught up over several runs; each company runs on its own today; only
the cron commits."""

from freezegun import freeze_time

from odoo.tests import Form, new_test_user, tagged

from .common import D, RecurringOrdersCase


@tagged("post_install", "-at_install")
class TestRecurringCatchUp(RecurringOrdersCase):
    def _dashboard_row(self, order):
        self.env.flush_all()
        self.env.invalidate_all()  # the rows are computed when read
        return self.env["recurring.dashboard"].search([("order_id", "=", order.id)])

    def test_catch_up_limit_parameter(self):
        generator = self.env["recurring.invoice.generator"]
        parameters = self.env["ir.config_parameter"]
        self.assertEqual(generator._catch_up_limit(), 36, "the default")
        for value, limit in (("12", 12), ("0", 36), ("-5", 36), ("many", 36)):
            parameters.set_param("recurring_orders.catch_up_limit", value)
            self.assertEqual(generator._catch_up_limit(), limit, value)

    @freeze_time("2026-03-15")
    def test_old_start_is_caught_up_over_several_runs_oldest_first(self):
        # 63 due months, January 2021 to March 2026 (a typo for 2026 would be worse).
        order = self._create_order(recurrence_date_start=D(2021, 1, 1), recurrence_invoice_state="draft")

        first_run, failures = self._generate(order)

        self.assertFalse(failures)
        self.assertEqual(
            first_run.mapped("recurring_period_start"),
            [D(2021 + month // 12, month % 12 + 1, 1) for month in range(36)],
        )
        self.assertEqual(order.recurrence_next_date, D(2024, 1, 1))
        self.assertRecordValues(
            self._dashboard_row(order),
            [{"has_missing_invoice": True, "missing_count": 27, "next_date": D(2024, 1, 1)}],
        )

        second_run, failures = self._generate(order)

        self.assertFalse(failures)
        self.assertEqual(len(second_run), 27)
        self.assertEqual(second_run[0].recurring_period_start, D(2024, 1, 1))
        self.assertEqual(second_run[-1].recurring_period_start, D(2026, 3, 1))
        self.assertRecordValues(
            self._dashboard_row(order), [{"has_missing_invoice": False, "missing_count": 0}]
        )
        self.assertFalse(self._generate(order)[0])

    @freeze_time("2026-03-15")
    def test_form_warns_of_past_periods_before_saving(self):
        salesperson = new_test_user(
            self.env, login="catch_up_salesperson", groups="sales_team.group_sale_salesman"
        )
        with Form(self.env["sale.order"].with_user(salesperson)) as form:
            form.partner_id = self.customer_en
            self.assertFalse(form.recurrence_catch_up_alert)
            form.recurrence_enabled = True
            self.assertFalse(form.recurrence_catch_up_alert, "today's period is not a past one")
            form.recurrence_date_start = D(2025, 2, 1)
            self.assertEqual(
                form.recurrence_catch_up_alert, "14 past periods will be invoiced at the next run."
            )
            form.recurrence_date_start = D(2026, 3, 1)
            self.assertEqual(
                form.recurrence_catch_up_alert, "1 past period will be invoiced at the next run."
            )
            form.recurrence_date_start = D(2020, 3, 1)
            self.assertEqual(
                form.recurrence_catch_up_alert,
                "73 past periods will be invoiced: 36 at the next run, oldest first, and the rest at the "
                "following runs (36 per run).",
            )
            form.recurrence_date_end = D(2020, 12, 31)
            self.assertEqual(
                form.recurrence_catch_up_alert, "10 past periods will be invoiced at the next run."
            )

    def test_cron_today_is_each_company_s(self):
        """The cron runs as OdooBot; an order is due on its company's date, not on OdooBot's (UTC here)."""
        cron_user = self.env.ref("base.user_root")
        cron_user.tz = "UTC"
        self.company.partner_id.tz = "America/New_York"  # UTC-5 in March
        order = self._create_order(recurrence_date_start=D(2026, 3, 1))
        with freeze_time("2026-03-01 03:30:00"):  # February 28, 22:30 in New York
            invoices, _failures = order.with_user(cron_user)._generate_recurring_invoices()
            self.assertFalse(invoices, "still February 28 for the company")
        with freeze_time("2026-03-01 05:30:00"):  # March 1, 00:30 in New York
            invoices, _failures = order.with_user(cron_user)._generate_recurring_invoices()
            self.assertEqual(invoices.recurring_period_start, D(2026, 3, 1))

        self.company.partner_id.tz = "Asia/Tokyo"  # UTC+9
        ahead = self._create_order(recurrence_date_start=D(2026, 4, 1))
        with freeze_time("2026-03-31 23:30:00"):  # April 1, 08:30 in Tokyo
            invoices, _failures = ahead.with_user(cron_user)._generate_recurring_invoices()
            self.assertEqual(invoices.recurring_period_start, D(2026, 4, 1))
            self.assertEqual(invoices.invoice_date, D(2026, 4, 1))

    @freeze_time("2026-01-01")
    def test_a_cron_id_in_the_context_does_not_commit(self):
        """Only the cron's own entry point commits: a client sending a ``cron_id`` in its context (RPC)
        would otherwise commit in the middle of its request (a test cursor refuses any commit)."""
        billing_user = new_test_user(
            self.env,
            login="catch_up_billing",
            groups="sales_team.group_sale_salesman_all_leads,account.group_account_invoice",
        )
        cron = self.env.ref("recurring_orders.ir_cron_generate_recurring_invoices")
        order = self._create_order()
        self.env.flush_all()
        row = self.env["recurring.dashboard"].with_user(billing_user).search([("order_id", "=", order.id)])

        action = row.with_context(cron_id=cron.id).action_generate_missing()

        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        self.assertEqual(len(self._active_invoices(order)), 1)
        self.assertEqual(cron.code, "model._cron_generate_recurring_invoices()")
