"""Prorated partial periods and anniversary periods of recurring orders, through the generator (ORM)."""

import psycopg2.errors
from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from ..tools import engine
from .common import D, RecurringOrdersCase

# (frequency, alignment, prorate, first generation, end date, today,
#  expected invoices: (billed period start, end, subscription quantity, option quantity)).
# The order bills 2 subscriptions at 90.00 (100.00 less 10%) and 1 option at 30.00 per period; quantities
# are rounded to the unit's precision (0.01).
CASES = [
    # Calendar periods: a day is never cut.
    ("daily", "calendar", True, D(2026, 1, 15), D(2026, 1, 17), D(2026, 2, 1), [
        (D(2026, 1, 15), D(2026, 1, 15), 2, 1),
        (D(2026, 1, 16), D(2026, 1, 16), 2, 1),
        (D(2026, 1, 17), D(2026, 1, 17), 2, 1),
    ]),
    # Starts and ends inside ISO weeks (Wednesday April 15 to Thursday April 23): 5/7 and 4/7.
    ("weekly", "calendar", True, D(2026, 4, 15), D(2026, 4, 23), D(2026, 5, 1), [
        (D(2026, 4, 15), D(2026, 4, 19), 1.43, 0.71),
        (D(2026, 4, 20), D(2026, 4, 23), 1.14, 0.57),
    ]),
    # Starts on a period's first day, ends inside: February 1-14 is half of February.
    ("monthly", "calendar", True, D(2026, 1, 1), D(2026, 2, 14), D(2026, 3, 1), [
        (D(2026, 1, 1), D(2026, 1, 31), 2, 1),
        (D(2026, 2, 1), D(2026, 2, 14), 1, 0.5),
    ]),
    # The end (March 10) is before March's generation date (March 15): March 1-10 is still generated.
    ("monthly", "calendar", True, D(2026, 1, 15), D(2026, 3, 10), D(2026, 4, 1), [
        (D(2026, 1, 15), D(2026, 1, 31), 1.10, 0.55),
        (D(2026, 2, 1), D(2026, 2, 28), 2, 1),
        (D(2026, 3, 1), D(2026, 3, 10), 0.65, 0.32),
    ]),
    # Without proration the end date is the last generation: March is not billed, January is whole.
    ("monthly", "calendar", False, D(2026, 1, 15), D(2026, 3, 10), D(2026, 4, 1), [
        (D(2026, 1, 1), D(2026, 1, 31), 2, 1),
        (D(2026, 2, 1), D(2026, 2, 28), 2, 1),
    ]),
    # Ends on a period's last day: nothing after it.
    ("quarterly", "calendar", True, D(2026, 2, 1), D(2026, 6, 30), D(2026, 9, 1), [
        (D(2026, 2, 1), D(2026, 3, 31), 1.31, 0.66),
        (D(2026, 4, 1), D(2026, 6, 30), 2, 1),
    ]),
    ("semiannual", "calendar", True, D(2026, 3, 1), D(2026, 10, 31), D(2026, 11, 1), [
        (D(2026, 3, 1), D(2026, 6, 30), 1.35, 0.67),
        (D(2026, 7, 1), D(2026, 10, 31), 1.34, 0.67),
    ]),
    # One day of 2025, then 2026 whole (open end); an option's 1/365 rounds to nothing.
    ("annual", "calendar", True, D(2025, 12, 31), False, D(2027, 1, 5), [
        (D(2025, 12, 31), D(2025, 12, 31), 0.01, 0),
        (D(2026, 1, 1), D(2026, 12, 31), 2, 1),
    ]),
    # Anniversary periods start on generation dates: only the end date cuts one.
    ("daily", "anniversary", True, D(2026, 1, 15), D(2026, 1, 16), D(2026, 2, 1), [
        (D(2026, 1, 15), D(2026, 1, 15), 2, 1),
        (D(2026, 1, 16), D(2026, 1, 16), 2, 1),
    ]),
    # Ends on a period's last day (Tuesday April 28).
    ("weekly", "anniversary", True, D(2026, 4, 15), D(2026, 4, 28), D(2026, 5, 1), [
        (D(2026, 4, 15), D(2026, 4, 21), 2, 1),
        (D(2026, 4, 22), D(2026, 4, 28), 2, 1),
    ]),
    # Month ends kept without drift; April 15 ends inside March 31 - April 29 (16/30).
    ("monthly", "anniversary", True, D(2026, 1, 31), D(2026, 4, 15), D(2026, 5, 1), [
        (D(2026, 1, 31), D(2026, 2, 27), 2, 1),
        (D(2026, 2, 28), D(2026, 3, 30), 2, 1),
        (D(2026, 3, 31), D(2026, 4, 15), 1.07, 0.53),
    ]),
    # Without proration the end date is the last generation: April's generation (April 30) is after it.
    ("monthly", "anniversary", False, D(2026, 1, 31), D(2026, 4, 15), D(2026, 5, 1), [
        (D(2026, 1, 31), D(2026, 2, 27), 2, 1),
        (D(2026, 2, 28), D(2026, 3, 30), 2, 1),
        (D(2026, 3, 31), D(2026, 4, 29), 2, 1),
    ]),
    # November 30 - February 27 (90 days), covered up to January 15 (47 days).
    ("quarterly", "anniversary", True, D(2025, 11, 30), D(2026, 1, 15), D(2026, 3, 1), [
        (D(2025, 11, 30), D(2026, 1, 15), 1.04, 0.52),
    ]),
    # August 31 - February 27, then February 28 - August 30 (184 days) covered up to March 15 (16 days).
    ("semiannual", "anniversary", True, D(2025, 8, 31), D(2026, 3, 15), D(2026, 4, 1), [
        (D(2025, 8, 31), D(2026, 2, 27), 2, 1),
        (D(2026, 2, 28), D(2026, 3, 15), 0.17, 0.09),
    ]),
    # The case: starting on December 31 no longer bills the year before it.
    ("annual", "anniversary", False, D(2025, 12, 31), False, D(2027, 1, 5), [
        (D(2025, 12, 31), D(2026, 12, 30), 2, 1),
        (D(2026, 12, 31), D(2027, 12, 30), 2, 1),
    ]),
]  # fmt: skip


def _amount(subscriptions, options):
    return round(subscriptions * 90.0 + options * 30.0, 2)


@tagged("post_install", "-at_install")
class TestRecurringProrate(RecurringOrdersCase):
    def _line_quantities(self, invoice):
        lines = invoice.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        return [
            sum(lines.filtered(lambda line, product=product: line.product_id == product).mapped("quantity"))
            for product in (self.product_subscription, self.product_option)
        ]

    def test_invoices_of_every_frequency_and_alignment(self):
        for frequency, alignment, prorate, start, end, today, expected in CASES:
            with (
                self.subTest(frequency=frequency, alignment=alignment, prorate=prorate, start=start, end=end),
                freeze_time(today),
            ):
                order = self._create_order(
                    recurrence_frequency=frequency,
                    recurrence_period_alignment=alignment,
                    recurrence_prorate=prorate,
                    recurrence_date_start=start,
                    recurrence_date_end=end,
                    recurrence_invoice_state="draft",
                )
                invoices, failures = self._generate(order)
                self.assertFalse(failures)
                self.assertRecordValues(
                    invoices,
                    [
                        {
                            "recurring_period_start": first,
                            "recurring_period_end": last,
                            "amount_untaxed": _amount(subscriptions, options),
                        }
                        for first, last, subscriptions, options in expected
                    ],
                )
                self.assertEqual(
                    [self._line_quantities(invoice) for invoice in invoices],
                    [[subscriptions, options] for _first, _last, subscriptions, options in expected],
                )
                self.assertTrue(
                    not order.recurrence_next_date or order.recurrence_next_date > today,
                    "every period due is billed",
                )
                self.assertFalse(self._generate(order)[0], "a second run bills no period twice")

    @freeze_time("2026-02-20")
    def test_bill_once_lines_are_not_prorated(self):
        setup_fee = self.env["product.product"].create(
            {"name": "Setup fee", "type": "service", "list_price": 50.0, "invoice_policy": "order"}
        )
        order = self._create_order(
            recurrence_date_start=D(2026, 1, 15),
            recurrence_prorate=True,
            order_line=[
                *self._order_lines(),
                Command.create(
                    {
                        "product_id": setup_fee.id,
                        "product_uom_qty": 1.0,
                        "price_unit": 50.0,
                        "recurrence_bill_once": True,
                    }
                ),
            ],
        )
        invoices, _failures = self._generate(order)
        fee_lines = invoices.invoice_line_ids.filtered(lambda line: line.product_id == setup_fee)
        self.assertRecordValues(fee_lines, [{"quantity": 1.0, "move_id": invoices[0].id}])
        self.assertRecordValues(
            invoices,
            [
                {"recurring_period_start": D(2026, 1, 15), "amount_untaxed": _amount(1.10, 0.55) + 50.0},
                {"recurring_period_start": D(2026, 2, 1), "amount_untaxed": 210.0},
            ],
        )

    @freeze_time("2026-04-25")
    def test_invoice_date_and_subject_follow_the_whole_period(self):
        order = self._create_order(
            recurrence_date_start=D(2026, 3, 20),
            recurrence_prorate=True,
            recurrence_date_preference="period_start",
            recurrence_subject="Subscription {MMM} {YYYY}",
        )
        invoices, _failures = self._generate(order)
        self.assertRecordValues(
            invoices,
            [
                {
                    "recurring_period_start": D(2026, 3, 20),
                    "invoice_date": D(2026, 3, 1),
                    "invoice_subject": "Subscription March 2026",
                },
                {
                    "recurring_period_start": D(2026, 4, 1),
                    "invoice_date": D(2026, 4, 1),
                    "invoice_subject": "Subscription April 2026",
                },
            ],
        )

    @freeze_time("2026-03-15")
    def test_anniversary_invoice_date_follows_the_anniversary_period(self):
        order = self._create_order(
            recurrence_date_start=D(2026, 1, 31),
            recurrence_period_alignment="anniversary",
            recurrence_date_preference="next_period_end",
        )
        invoices, _failures = self._generate(order)
        self.assertEqual(invoices.mapped("invoice_date"), [D(2026, 3, 30), D(2026, 4, 29)])
        self.assertEqual(order.recurrence_next_date, D(2026, 3, 31))
        self.assertEqual(order.recurrence_next_document_date, D(2026, 5, 30))

    @freeze_time("2026-06-15")
    def test_catch_up_with_both_options_over_several_runs(self):
        self.env["ir.config_parameter"].set_param("recurring_orders.catch_up_limit", "2")
        order = self._create_order(
            recurrence_date_start=D(2026, 1, 31),
            recurrence_date_end=D(2026, 5, 10),
            recurrence_period_alignment="anniversary",
            recurrence_prorate=True,
            recurrence_invoice_state="draft",
        )
        runs = [self._generate(order)[0] for _run in range(3)]
        self.assertEqual([len(run) for run in runs], [2, 2, 0])
        self.assertRecordValues(
            self._active_invoices(order),
            [
                {"recurring_period_start": D(2026, 1, 31), "recurring_period_end": D(2026, 2, 27)},
                {"recurring_period_start": D(2026, 2, 28), "recurring_period_end": D(2026, 3, 30)},
                {"recurring_period_start": D(2026, 3, 31), "recurring_period_end": D(2026, 4, 29)},
                {"recurring_period_start": D(2026, 4, 30), "recurring_period_end": D(2026, 5, 10)},
            ],
        )
        self.assertFalse(order.recurrence_next_date)

    @freeze_time("2026-02-10")
    @mute_logger("odoo.sql_db")
    def test_database_refuses_a_second_invoice_of_a_prorated_period(self):
        order = self._create_order(
            recurrence_date_start=D(2026, 1, 15), recurrence_prorate=True, recurrence_invoice_state="draft"
        )
        invoices, _failures = self._generate(order)
        self.assertEqual(invoices.mapped("recurring_period_start"), [D(2026, 1, 15)])
        as_engine = self.env["account.move"].with_context(**engine.engine_context())
        with self.assertRaises(psycopg2.errors.UniqueViolation), self.env.cr.savepoint():
            as_engine.create(
                {
                    "move_type": "out_invoice",
                    "partner_id": order.partner_id.id,
                    "recurring_order_id": order.id,
                    "recurring_period_start": D(2026, 1, 15),
                    "invoice_line_ids": [Command.create({"name": "Again", "quantity": 1, "price_unit": 1})],
                }
            )

    @freeze_time("2026-02-10")
    def test_a_prorated_first_period_stays_invoiced_when_proration_is_turned_off(self):
        order = self._create_order(recurrence_date_start=D(2026, 1, 15), recurrence_prorate=True)
        self._generate(order)
        order.recurrence_prorate = False
        self.assertEqual(order.recurrence_next_date, D(2026, 2, 15), "January 15-31 counts for January")
        self.assertFalse(self._generate(order)[0])

    @freeze_time("2026-04-10")
    def test_alignment_change_that_would_bill_invoiced_days_again_is_refused(self):
        order = self._create_order(recurrence_date_start=D(2026, 1, 15))
        self._generate(order)  # January to March, calendar months
        with self.assertRaisesRegex(ValidationError, "Billed Periods"):
            order.recurrence_period_alignment = "anniversary"
        with self.assertRaisesRegex(ValidationError, "04/01/2026"):
            order.write(
                {"recurrence_period_alignment": "anniversary", "recurrence_date_start": D(2026, 3, 31)}
            )
        order.write({"recurrence_period_alignment": "anniversary", "recurrence_date_start": D(2026, 4, 1)})
        self.assertEqual(order.recurrence_next_date, D(2026, 4, 1))

    @freeze_time("2026-04-10")
    def test_prorated_schedule_may_start_the_day_after_the_last_invoiced_one(self):
        order = self._create_order(
            recurrence_date_start=D(2026, 1, 31),
            recurrence_period_alignment="anniversary",
            recurrence_invoice_state="draft",
        )
        self._generate(order)  # up to March 31 - April 29
        with self.assertRaises(ValidationError):
            order.write({"recurrence_period_alignment": "calendar", "recurrence_date_start": D(2026, 4, 30)})
        order.write(
            {
                "recurrence_period_alignment": "calendar",
                "recurrence_prorate": True,
                "recurrence_date_start": D(2026, 4, 30),
            }
        )
        with freeze_time("2026-05-31"):
            invoices, _failures = self._generate(order)
        self.assertRecordValues(
            invoices,
            [
                {"recurring_period_start": D(2026, 4, 30), "recurring_period_end": D(2026, 4, 30)},
                {"recurring_period_start": D(2026, 5, 1), "recurring_period_end": D(2026, 5, 31)},
            ],
        )

    @freeze_time("2026-01-10")
    def test_preview_shows_the_covered_days_and_the_prorated_amount(self):
        order = self._create_order(
            recurrence_date_start=D(2026, 1, 15), recurrence_date_end=D(2026, 3, 10), recurrence_prorate=True
        )
        preview = order.with_context(lang="en_US").recurrence_preview
        self.assertIn("Untaxed amount", preview)
        self.assertEqual(preview.count("o_recurrence_prorated"), 2)
        self.assertIn("01/15/2026 - 01/31/2026", preview)
        self.assertIn("prorated 17/31 days", preview)
        self.assertIn("03/01/2026 - 03/10/2026", preview)
        self.assertIn("prorated 10/31 days", preview)
        for amount in (_amount(1.10, 0.55), 210.0, _amount(0.65, 0.32)):
            self.assertIn(f"{amount:,.2f}", preview)
        order.recurrence_prorate = False
        self.assertNotIn("Untaxed amount", order.recurrence_preview)

    def test_options_are_on_the_form(self):
        with Form(self.env["sale.order"]) as form:
            form.partner_id = self.customer_en
            form.recurrence_enabled = True
            form.recurrence_period_alignment = "anniversary"
            form.recurrence_prorate = True
        self.assertRecordValues(
            form.record, [{"recurrence_period_alignment": "anniversary", "recurrence_prorate": True}]
        )
