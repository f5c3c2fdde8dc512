"""Recurrence settings on sale orders: dates, document dates, subjects, preview and validation (ORM)."""

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged

from .common import D, RecurringOrdersCase

# One generation on Wednesday, April 15, 2026, per frequency: (billed period, document date per preference).
START = D(2026, 4, 15)
EXPECTED = {
    "daily": (
        (D(2026, 4, 15), D(2026, 4, 15)),
        {
            "generation": D(2026, 4, 15),
            "previous_period_end": D(2026, 4, 14),
            "period_start": D(2026, 4, 15),
            "period_end": D(2026, 4, 15),
            "next_period_start": D(2026, 4, 16),
            "next_period_end": D(2026, 4, 16),
        },
    ),
    "weekly": (
        (D(2026, 4, 13), D(2026, 4, 19)),
        {
            "generation": D(2026, 4, 15),
            "previous_period_end": D(2026, 4, 12),
            "period_start": D(2026, 4, 13),
            "period_end": D(2026, 4, 19),
            "next_period_start": D(2026, 4, 20),
            "next_period_end": D(2026, 4, 26),
        },
    ),
    "monthly": (
        (D(2026, 4, 1), D(2026, 4, 30)),
        {
            "generation": D(2026, 4, 15),
            "previous_period_end": D(2026, 3, 31),
            "period_start": D(2026, 4, 1),
            "period_end": D(2026, 4, 30),
            "next_period_start": D(2026, 5, 1),
            "next_period_end": D(2026, 5, 31),
        },
    ),
    "quarterly": (
        (D(2026, 4, 1), D(2026, 6, 30)),
        {
            "generation": D(2026, 4, 15),
            "previous_period_end": D(2026, 3, 31),
            "period_start": D(2026, 4, 1),
            "period_end": D(2026, 6, 30),
            "next_period_start": D(2026, 7, 1),
            "next_period_end": D(2026, 9, 30),
        },
    ),
    "semiannual": (
        (D(2026, 1, 1), D(2026, 6, 30)),
        {
            "generation": D(2026, 4, 15),
            "previous_period_end": D(2025, 12, 31),
            "period_start": D(2026, 1, 1),
            "period_end": D(2026, 6, 30),
            "next_period_start": D(2026, 7, 1),
            "next_period_end": D(2026, 12, 31),
        },
    ),
    "annual": (
        (D(2026, 1, 1), D(2026, 12, 31)),
        {
            "generation": D(2026, 4, 15),
            "previous_period_end": D(2025, 12, 31),
            "period_start": D(2026, 1, 1),
            "period_end": D(2026, 12, 31),
            "next_period_start": D(2027, 1, 1),
            "next_period_end": D(2027, 12, 31),
        },
    ),
}
SECOND_GENERATION = {
    "daily": D(2026, 4, 16),
    "weekly": D(2026, 4, 22),
    "monthly": D(2026, 5, 15),
    "quarterly": D(2026, 7, 15),
    "semiannual": D(2026, 10, 15),
    "annual": D(2027, 4, 15),
}


@tagged("post_install", "-at_install")
class TestRecurringSchedule(RecurringOrdersCase):
    @freeze_time("2026-04-15")
    def test_every_frequency_and_preference_generates_its_dates(self):
        orders = {}
        for frequency, (_period, document_dates) in EXPECTED.items():
            for preference in document_dates:
                orders[frequency, preference] = self._create_order(
                    recurrence_frequency=frequency,
                    recurrence_date_start=START,
                    recurrence_date_preference=preference,
                    recurrence_subject="{DD}/{MM}/{YYYY} Q{Q}",
                )
        all_orders = self.env["sale.order"].concat(*orders.values())
        for (frequency, preference), order in orders.items():
            self.assertEqual(order.recurrence_next_date, START, f"{frequency}/{preference}")
            self.assertEqual(
                order.recurrence_next_document_date,
                EXPECTED[frequency][1][preference],
                f"{frequency}/{preference}",
            )

        invoices, failures = self._generate(all_orders)

        self.assertFalse(failures)
        self.assertEqual(len(invoices), 36)
        for (frequency, preference), order in orders.items():
            label = f"{frequency}/{preference}"
            (period_start, period_end), document_dates = EXPECTED[frequency]
            invoice = order.recurrence_invoice_ids
            self.assertEqual(len(invoice), 1, label)
            self.assertEqual(invoice.recurring_period_start, period_start, label)
            self.assertEqual(invoice.recurring_period_end, period_end, label)
            self.assertEqual(invoice.invoice_date, document_dates[preference], label)
            expected_date = document_dates[preference]
            quarter = (expected_date.month - 1) // 3 + 1
            self.assertEqual(invoice.invoice_subject, f"{expected_date:%d/%m/%Y} Q{quarter}", label)
            self.assertEqual(invoice.state, "posted", label)
            self.assertEqual(order.recurrence_next_date, SECOND_GENERATION[frequency], label)

    @freeze_time("2026-05-15")
    def test_month_end_start_keeps_month_ends(self):
        order = self._create_order(
            recurrence_date_start=D(2026, 1, 31), recurrence_date_preference="generation"
        )

        invoices, _failures = self._generate(order)

        self.assertEqual(invoices.mapped("invoice_date"), [D(2026, 5, 15)] * 4, "catch-up: created today")
        self.assertEqual(
            invoices.mapped("recurring_period_start"),
            [D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1), D(2026, 4, 1)],
        )
        self.assertEqual(
            invoices.mapped("recurring_period_end"),
            [D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30)],
        )
        self.assertEqual(order.recurrence_next_date, D(2026, 5, 31))

    def test_month_end_start_in_leap_year_preview(self):
        order = self._create_order(confirm=False, recurrence_date_start=D(2028, 1, 31))
        preview = order.recurrence_preview
        for day in ("01/31/2028", "02/29/2028", "03/31/2028", "04/30/2028", "12/31/2028"):
            self.assertIn(day, preview)
        self.assertEqual(preview.count("<tr>"), 13, "a header and 12 generations")

    @freeze_time("2026-03-10")
    def test_subject_in_customer_language_and_forced_language(self):
        french = self._create_order(
            partner=self.customer_fr,
            recurrence_date_start=D(2026, 3, 1),
            recurrence_subject="Abonnement {MMM} {YYYY}",
        )
        english = self._create_order(
            partner=self.customer_en,
            recurrence_date_start=D(2026, 3, 1),
            recurrence_subject="Abonnement {MMM} {YYYY}",
        )
        forced = self._create_order(
            partner=self.customer_fr,
            recurrence_date_start=D(2026, 3, 1),
            recurrence_subject="{lang_en_us}Subscription {MMM} {YY} ({{{MM}}})",
        )
        self.assertEqual(french.recurrence_next_subject, "Abonnement mars 2026")

        invoices, _failures = self._generate(french | english | forced)

        self.assertEqual(
            invoices.mapped("invoice_subject"),
            ["Abonnement mars 2026", "Abonnement March 2026", "Subscription March 26 ({03})"],
        )

    def test_invalid_subject_is_refused_with_the_valid_variables(self):
        order = self._create_order(confirm=False)
        for template in ("Subscription {MONTH}", "{lang_xx_yy}{MMM}", "{YYYY:>10}", "{__import__}", "{MMM"):
            with self.subTest(template=template), self.assertRaises(ValidationError) as caught:
                order.recurrence_subject = template
                order.flush_recordset()
            self.assertIn("{YYYY}, {YY}, {MM}, {MMM}, {DD}, {Q}", str(caught.exception))

    def test_invalid_subject_message_is_translated(self):
        order = self._create_order(confirm=False).with_context(lang="fr_FR")
        with self.assertRaises(ValidationError) as caught:
            order.recurrence_subject = "Abonnement {MOIS}"
            order.flush_recordset()
        message = str(caught.exception)
        self.assertIn("Variable inconnue « {MOIS} » en position 12", message)
        self.assertIn("Variables valides : {YYYY}, {YY}, {MM}, {MMM}, {DD}, {Q}", message)

    def test_end_before_start_is_refused(self):
        with self.assertRaises(ValidationError):
            self._create_order(
                confirm=False, recurrence_date_start=D(2026, 5, 1), recurrence_date_end=D(2026, 4, 30)
            )

    @freeze_time("2026-02-10")
    def test_ticking_recurrence_proposes_today_as_start(self):
        order = self._create_order(confirm=False, recurrence_enabled=False, recurrence_date_start=False)
        with Form(order) as form:
            form.recurrence_enabled = True
            self.assertEqual(form.recurrence_date_start, D(2026, 2, 10))
        self.assertEqual(order.recurrence_next_date, D(2026, 2, 10))

    def test_recurrence_needs_a_start(self):
        with self.assertRaises(ValidationError):
            self._create_order(confirm=False, recurrence_date_start=False)

    def test_invalid_consumption_filter_is_refused(self):
        order = self._create_order(confirm=False)
        for text in (
            "[('date', '>=', context_today())]",
            "not a domain",
            "[('a', 'in')]",
            "[('no_such_field', '=', 1)]",
        ):
            with self.subTest(text=text), self.assertRaises(ValidationError):
                order.recurrence_consumption_domain = text
                order.flush_recordset()

    @freeze_time("2026-06-20")
    def test_end_date_and_untick_stop_generation(self):
        ended = self._create_order(recurrence_date_start=D(2026, 1, 10), recurrence_date_end=D(2026, 3, 10))
        stopped = self._create_order(recurrence_date_start=D(2026, 1, 10))
        stopped.recurrence_enabled = False

        invoices, _failures = self._generate(ended | stopped)

        self.assertEqual(invoices.recurring_order_id, ended)
        self.assertEqual(len(invoices), 3, "January, February and March 10; the end date is inclusive")
        self.assertFalse(ended.recurrence_next_date)
        self.assertFalse(stopped.recurrence_next_date)
        self.assertIn("last generation date is past", ended.recurrence_preview)

    @freeze_time("2026-02-10")
    def test_preview_follows_the_settings_before_saving(self):
        order = self._create_order(partner=self.customer_fr, recurrence_enabled=False, confirm=False)
        with Form(order) as form:
            form.recurrence_enabled = True
            form.recurrence_frequency = "quarterly"
            form.recurrence_date_start = D(2026, 1, 15)
            form.recurrence_date_preference = "period_end"
            form.recurrence_subject = "Trimestre {Q} {MMM} {YYYY}"
            self.assertEqual(form.recurrence_next_date, D(2026, 1, 15))
            self.assertEqual(form.recurrence_next_document_date, D(2026, 3, 31))
            self.assertEqual(form.recurrence_next_subject, "Trimestre 1 mars 2026")
            preview = form.recurrence_preview
            self.assertIn("Trimestre 1 mars 2026", preview)
            self.assertIn("Trimestre 4 décembre 2028", preview, "the 12th generation, October 15, 2028")
            self.assertEqual(preview.count("<tr>"), 13)
            self.assertEqual(preview.count("badge"), 1, "only the first generation is due")

    @freeze_time("2026-02-10")
    def test_salesperson_sets_up_recurrence_with_own_rights(self):
        salesperson = self.env["res.users"].create(
            {
                "name": "Recurring Salesperson",
                "login": "recurring_salesperson",
                "group_ids": [Command.set(self.env.ref("sales_team.group_sale_salesman").ids)],
            }
        )
        order = self._create_order(confirm=False, recurrence_enabled=False)
        order.user_id = salesperson
        with Form(order.with_user(salesperson)) as form:
            form.recurrence_enabled = True
            form.recurrence_date_start = D(2026, 2, 1)
            form.recurrence_subject = "Plan {MMM}"
            self.assertIn("Plan February", form.recurrence_preview)
        self.assertEqual(order.recurrence_next_date, D(2026, 2, 1))
        order.action_confirm()

        invoices, failures = order.with_user(salesperson)._generate_recurring_invoices()

        self.assertFalse(invoices, "a salesperson without invoicing rights creates no invoice")
        self.assertIn(order, failures)
        self.assertTrue(order.recurrence_last_error)

    def test_schedule_change_refused_over_invoiced_periods(self):
        with freeze_time("2026-03-15"):
            order = self._create_order(recurrence_frequency="quarterly")
            invoices, _failures = self._generate(order)
            self.assertEqual(invoices.mapped("recurring_period_end"), [D(2026, 3, 31)])
        with self.assertRaisesRegex(ValidationError, "after 03/31/2026"):
            order.write({"recurrence_frequency": "monthly"})
        with self.assertRaisesRegex(ValidationError, r"for example 04/01/2026"):
            order.write({"recurrence_frequency": "monthly", "recurrence_date_start": D(2026, 2, 1)})
        with self.assertRaises(ValidationError, msg="a start after the invoiced quarter but in it"):
            order.write({"recurrence_date_start": D(2026, 3, 31)})
        self.assertEqual(order.recurrence_frequency, "quarterly")
        self.assertEqual(order.recurrence_date_start, D(2026, 1, 1))

    def test_schedule_change_after_invoiced_periods(self):
        with freeze_time("2026-03-15"):
            order = self._create_order(recurrence_frequency="quarterly")
            self._generate(order)
        order.write({"recurrence_frequency": "monthly", "recurrence_date_start": D(2026, 4, 1)})
        self.assertEqual(order.recurrence_next_date, D(2026, 4, 1))
        with freeze_time("2026-05-20"):
            invoices, failures = self._generate(order)
        self.assertFalse(failures)
        self.assertEqual(
            [
                (move.recurring_period_start, move.recurring_period_end)
                for move in self._active_invoices(order)
            ],
            [
                (D(2026, 1, 1), D(2026, 3, 31)),
                (D(2026, 4, 1), D(2026, 4, 30)),
                (D(2026, 5, 1), D(2026, 5, 31)),
            ],
            "no month of the invoiced quarter is billed again",
        )
        self.assertEqual(len(invoices), 2)

    def test_schedule_change_allowed_once_the_invoices_are_cancelled(self):
        with freeze_time("2026-03-15"):
            order = self._create_order(recurrence_frequency="quarterly")
            invoices, _failures = self._generate(order)
        invoices.button_cancel()
        order.write({"recurrence_frequency": "monthly"})
        self.assertEqual(order.recurrence_next_date, D(2026, 1, 1))
