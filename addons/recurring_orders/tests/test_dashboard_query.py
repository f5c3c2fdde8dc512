"""The dashboard's SQL builders (tools.dashboard_query) against tools.periods, for every key of the choice
lists: each expression is evaluated by PostgreSQL over a table of cases (no order is created)."""

import datetime
from itertools import product

from odoo.tests import TransactionCase
from odoo.tools import SQL

from ..tools import dashboard_query, periods

D = datetime.date
# Month ends (31st, 30th, February 28th of a leap year), mid-month and first days.
STARTS = (D(2024, 1, 31), D(2024, 2, 28), D(2025, 8, 30), D(2025, 12, 1))
# Every 11th day over three years, and the quarter, half-year and year ends around them.
DAYS = sorted(
    {D(2023, 11, 20) + datetime.timedelta(days=11 * index) for index in range(100)}
    | {
        D(year, month, 1) - datetime.timedelta(days=1)
        for year in (2024, 2025, 2026)
        for month in (1, 4, 7, 10)
    }
    | {D(2024, 2, 29), D(2025, 2, 28), D(2025, 3, 1)}
)
SHIFTS = (-3, -1, 0, 1, 2)
TODAY = D(2025, 6, 15)


def python_period_start(day, shift, frequency, alignment, start):
    """The first day of the period ``shift`` periods after the one containing ``day``, by tools.periods."""
    first, last = periods.period_bounds(day, frequency, alignment, start)
    for _index in range(shift):
        first, last = periods.next_period_bounds(last, frequency, alignment, start)
    for _index in range(-shift):
        first, last = periods.previous_period_bounds(first, frequency, alignment, start)
    return first


class TestDashboardQuery(TransactionCase):
    def _evaluate(self, columns, cases, expressions):
        """The values of ``expressions`` for each case, ``cases`` being rows of values of ``columns`` (dates
        and keys), read as the order ``so``."""
        rows = SQL(", ").join(
            SQL("(%s)", SQL(", ").join(SQL("%s", value) for value in case)) for case in cases
        )
        self.env.cr.execute(
            SQL(
                "SELECT %s FROM (VALUES %s) AS so(%s)",
                SQL(", ").join(expressions),
                rows,
                SQL(", ").join(SQL.identifier(column) for column in columns),
            )
        )
        return self.env.cr.fetchall()

    def _assert_agree(self, cases, computed, expected):
        """SQL and Python give the same values for every case (the first differences are shown)."""
        self.assertEqual(len(computed), len(expected))
        mismatches = [
            {"case": case, "sql": sql, "python": python}
            for case, sql, python in zip(cases, computed, expected, strict=True)
            if sql != python
        ]
        self.assertEqual(mismatches[:5], [], f"{len(mismatches)} of {len(expected)} cases differ")

    def test_case_builder_needs_a_branch_for_every_key(self):
        frequency = SQL("so.recurrence_frequency")
        with self.assertRaises(ValueError):
            dashboard_query.case_sql(frequency, {"monthly": 1}, periods.FREQUENCIES)
        with self.assertRaises(ValueError):
            dashboard_query.case_sql(
                frequency, dict.fromkeys((*periods.FREQUENCIES, "biweekly"), 1), periods.FREQUENCIES
            )
        self.assertEqual(set(dashboard_query.MONTHS_PER_PERIOD), set(periods.FREQUENCIES))

    def test_months_per_period_and_consumption_of_every_key(self):
        cases = [(key,) for key in periods.FREQUENCIES]
        months = self._evaluate(
            ["recurrence_frequency"],
            cases,
            [
                dashboard_query.case_sql(
                    SQL("so.recurrence_frequency"), dashboard_query.MONTHS_PER_PERIOD, periods.FREQUENCIES
                )
            ],
        )
        self.assertEqual(
            dict(zip(periods.FREQUENCIES, (float(value) for (value,) in months), strict=True)),
            {
                "daily": 12 / 365.25,
                "weekly": 12 * 7 / 365.25,
                "monthly": 1,
                "quarterly": 3,
                "semiannual": 6,
                "annual": 12,
            },
        )
        keys = [key for key, _label in periods.CONSUMPTION_SELECTION]
        adds = self._evaluate(
            ["recurrence_consumption"],
            [(key,) for key in keys],
            [dashboard_query.ADDS_CONSUMPTION],
        )
        self.assertEqual(
            dict(zip(keys, (value for (value,) in adds), strict=True)),
            {"none": False, "current": True, "previous": True},
        )

    def test_generation_dates_and_period_starts_agree_with_periods(self):
        cases, expected = [], []
        for frequency, alignment, start in product(periods.FREQUENCIES, periods.ALIGNMENTS, STARTS):
            for index, day in enumerate(DAYS):
                cases.append((start, frequency, alignment, day, index))
                expected.append(
                    (
                        periods.generation_date(start, frequency, index),
                        *(python_period_start(day, shift, frequency, alignment, start) for shift in SHIFTS),
                    )
                )
        day = SQL("so.probe_day")
        expressions = [
            dashboard_query.generation_date_sql(
                SQL("so.recurrence_date_start"), SQL("so.recurrence_frequency"), SQL("so.probe_index")
            ),
            *(dashboard_query.shifted_period_start_sql(day, shift) for shift in SHIFTS),
        ]
        columns = [
            "recurrence_date_start",
            "recurrence_frequency",
            "recurrence_period_alignment",
            "probe_day",
            "probe_index",
        ]
        self._assert_agree(cases, self._evaluate(columns, cases, expressions), expected)

    def test_next_document_date_agrees_with_periods_for_every_preference(self):
        cases, expected = [], []
        for frequency, alignment, start, preference in product(
            periods.FREQUENCIES, periods.ALIGNMENTS, STARTS, periods.DATE_PREFERENCES
        ):
            for next_date in periods.generation_dates(start, frequency, limit=15):
                cases.append((start, frequency, alignment, preference, next_date))
                expected.append(
                    periods.document_date(
                        next_date,
                        frequency,
                        preference,
                        generated_on=max(next_date, TODAY),
                        alignment=alignment,
                        start=start,
                    )
                )
        columns = [
            "recurrence_date_start",
            "recurrence_frequency",
            "recurrence_period_alignment",
            "recurrence_date_preference",
            "recurrence_next_date",
        ]
        computed = self._evaluate(columns, cases, [dashboard_query.next_document_date_sql(TODAY)])
        self._assert_agree(cases, [day for (day,) in computed], expected)
