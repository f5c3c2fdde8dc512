"""Generation dates, periods and document dates of recurring orders (pure functions, no database)."""

import datetime
import unittest
from itertools import islice

from odoo.addons.recurring_orders.tools import periods

D = datetime.date

# Every frequency x every preference for one generation date (Wednesday, May 14, 2025) generated
# on June 2, 2025 (catch-up): the "generation" preference gives the day the invoice is created.
GENERATION = D(2025, 5, 14)
GENERATED_ON = D(2025, 6, 2)
DOCUMENT_DATES = {
    "daily": {
        "generation": GENERATED_ON,
        "previous_period_end": D(2025, 5, 13),
        "period_start": D(2025, 5, 14),
        "period_end": D(2025, 5, 14),
        "next_period_start": D(2025, 5, 15),
        "next_period_end": D(2025, 5, 15),
    },
    "weekly": {
        "generation": GENERATED_ON,
        "previous_period_end": D(2025, 5, 11),
        "period_start": D(2025, 5, 12),
        "period_end": D(2025, 5, 18),
        "next_period_start": D(2025, 5, 19),
        "next_period_end": D(2025, 5, 25),
    },
    "monthly": {
        "generation": GENERATED_ON,
        "previous_period_end": D(2025, 4, 30),
        "period_start": D(2025, 5, 1),
        "period_end": D(2025, 5, 31),
        "next_period_start": D(2025, 6, 1),
        "next_period_end": D(2025, 6, 30),
    },
    "quarterly": {
        "generation": GENERATED_ON,
        "previous_period_end": D(2025, 3, 31),
        "period_start": D(2025, 4, 1),
        "period_end": D(2025, 6, 30),
        "next_period_start": D(2025, 7, 1),
        "next_period_end": D(2025, 9, 30),
    },
    "semiannual": {
        "generation": GENERATED_ON,
        "previous_period_end": D(2024, 12, 31),
        "period_start": D(2025, 1, 1),
        "period_end": D(2025, 6, 30),
        "next_period_start": D(2025, 7, 1),
        "next_period_end": D(2025, 12, 31),
    },
    "annual": {
        "generation": GENERATED_ON,
        "previous_period_end": D(2024, 12, 31),
        "period_start": D(2025, 1, 1),
        "period_end": D(2025, 12, 31),
        "next_period_start": D(2026, 1, 1),
        "next_period_end": D(2026, 12, 31),
    },
}


class TestGenerationDates(unittest.TestCase):
    def test_first_dates_of_every_frequency(self):
        start = D(2025, 1, 15)
        expected = {
            "daily": [D(2025, 1, 15), D(2025, 1, 16), D(2025, 1, 17), D(2025, 1, 18)],
            "weekly": [D(2025, 1, 15), D(2025, 1, 22), D(2025, 1, 29), D(2025, 2, 5)],
            "monthly": [D(2025, 1, 15), D(2025, 2, 15), D(2025, 3, 15), D(2025, 4, 15)],
            "quarterly": [D(2025, 1, 15), D(2025, 4, 15), D(2025, 7, 15), D(2025, 10, 15)],
            "semiannual": [D(2025, 1, 15), D(2025, 7, 15), D(2026, 1, 15), D(2026, 7, 15)],
            "annual": [D(2025, 1, 15), D(2026, 1, 15), D(2027, 1, 15), D(2028, 1, 15)],
        }
        self.assertEqual(set(expected), set(periods.FREQUENCIES))
        for frequency, dates in expected.items():
            with self.subTest(frequency=frequency):
                self.assertEqual(list(periods.generation_dates(start, frequency, limit=4)), dates)
                self.assertEqual([periods.generation_date(start, frequency, k) for k in range(4)], dates)

    def test_month_end_starts_never_drift(self):
        cases = [
            # (start, frequency, first generation dates)
            (
                D(2025, 1, 31),
                "monthly",
                [D(2025, 1, 31), D(2025, 2, 28), D(2025, 3, 31), D(2025, 4, 30), D(2025, 5, 31)],
            ),
            (
                D(2024, 1, 31),
                "monthly",
                [D(2024, 1, 31), D(2024, 2, 29), D(2024, 3, 31), D(2024, 4, 30), D(2024, 5, 31)],
            ),
            (
                D(2024, 2, 29),
                "annual",
                [D(2024, 2, 29), D(2025, 2, 28), D(2026, 2, 28), D(2027, 2, 28), D(2028, 2, 29)],
            ),
            (
                D(2024, 2, 29),
                "monthly",
                [D(2024, 2, 29), D(2024, 3, 29), D(2024, 4, 29), D(2024, 5, 29), D(2024, 6, 29)],
            ),
            (
                D(2025, 8, 31),
                "quarterly",
                [D(2025, 8, 31), D(2025, 11, 30), D(2026, 2, 28), D(2026, 5, 31), D(2026, 8, 31)],
            ),
            (
                D(2025, 8, 31),
                "semiannual",
                [D(2025, 8, 31), D(2026, 2, 28), D(2026, 8, 31), D(2027, 2, 28), D(2027, 8, 31)],
            ),
        ]
        for start, frequency, expected in cases:
            with self.subTest(start=start, frequency=frequency):
                self.assertEqual(list(periods.generation_dates(start, frequency, limit=5)), expected)

    def test_end_date_is_inclusive(self):
        start = D(2025, 1, 31)
        self.assertEqual(
            list(periods.generation_dates(start, "monthly", end=D(2025, 3, 31))),
            [D(2025, 1, 31), D(2025, 2, 28), D(2025, 3, 31)],
        )
        self.assertEqual(
            list(periods.generation_dates(start, "monthly", end=D(2025, 3, 30))),
            [D(2025, 1, 31), D(2025, 2, 28)],
        )
        self.assertEqual(list(periods.generation_dates(start, "monthly", end=start)), [start])
        self.assertEqual(list(periods.generation_dates(start, "monthly", end=D(2025, 1, 30))), [])

    def test_until_is_inclusive_and_combines_with_end_and_limit(self):
        start = D(2025, 1, 6)
        self.assertEqual(
            list(periods.generation_dates(start, "weekly", until=D(2025, 1, 20))),
            [D(2025, 1, 6), D(2025, 1, 13), D(2025, 1, 20)],
        )
        self.assertEqual(
            list(periods.generation_dates(start, "weekly", end=D(2025, 1, 14), until=D(2025, 3, 1))),
            [D(2025, 1, 6), D(2025, 1, 13)],
        )
        self.assertEqual(
            list(periods.generation_dates(start, "weekly", end=D(2025, 3, 1), until=D(2025, 1, 14))),
            [D(2025, 1, 6), D(2025, 1, 13)],
        )
        self.assertEqual(
            list(periods.generation_dates(start, "daily", until=D(2025, 12, 31), limit=3)),
            [D(2025, 1, 6), D(2025, 1, 7), D(2025, 1, 8)],
        )
        self.assertEqual(list(periods.generation_dates(start, "daily", limit=0)), [])

    def test_unbounded_iterator_is_lazy(self):
        dates = periods.generation_dates(D(2025, 1, 1), "daily")
        self.assertEqual(list(islice(dates, 2)), [D(2025, 1, 1), D(2025, 1, 2)])

    def test_stops_at_the_last_representable_date(self):
        self.assertEqual(
            list(periods.generation_dates(D(9999, 11, 30), "monthly")), [D(9999, 11, 30), D(9999, 12, 30)]
        )
        with self.assertRaises(OverflowError):
            periods.generation_date(D(9999, 12, 30), "daily", 2)

    def test_next_generation_date(self):
        start = D(2024, 1, 31)
        cases = [
            # (frequency, after, end, expected)
            ("monthly", None, None, start),
            ("monthly", D(2023, 12, 1), None, start),
            ("monthly", start, None, D(2024, 2, 29)),
            ("monthly", D(2024, 2, 28), None, D(2024, 2, 29)),
            ("monthly", D(2024, 2, 29), None, D(2024, 3, 31)),
            ("monthly", D(2024, 3, 30), None, D(2024, 3, 31)),
            ("monthly", D(2024, 3, 31), None, D(2024, 4, 30)),
            ("monthly", D(2026, 6, 15), None, D(2026, 6, 30)),
            ("monthly", D(2024, 3, 31), D(2024, 4, 30), D(2024, 4, 30)),
            ("monthly", D(2024, 3, 31), D(2024, 4, 29), None),
            ("monthly", None, D(2024, 1, 30), None),
            ("quarterly", D(2024, 5, 1), None, D(2024, 7, 31)),
            ("annual", D(2024, 1, 31), None, D(2025, 1, 31)),
            ("daily", D(2030, 6, 15), None, D(2030, 6, 16)),
            ("weekly", start, None, D(2024, 2, 7)),
            ("weekly", D(2024, 2, 6), None, D(2024, 2, 7)),
            ("weekly", D(2024, 2, 7), None, D(2024, 2, 14)),
            ("daily", D(9999, 12, 31), None, None),
        ]
        for frequency, after, end, expected in cases:
            with self.subTest(frequency=frequency, after=after, end=end):
                self.assertEqual(
                    periods.next_generation_date(start, frequency, after=after, end=end), expected
                )

    def test_invalid_arguments(self):
        with self.assertRaisesRegex(ValueError, r"Unknown frequency 'yearly': expected one of daily, weekly"):
            periods.generation_date(D(2025, 1, 1), "yearly", 1)
        with self.assertRaisesRegex(ValueError, "Unknown frequency"):
            list(periods.generation_dates(D(2025, 1, 1), "Monthly"))
        with self.assertRaisesRegex(ValueError, "Unknown frequency"):
            periods.period_bounds(D(2025, 1, 1), "")
        with self.assertRaisesRegex(ValueError, "Unknown frequency"):
            periods.next_generation_date(D(2025, 1, 1), None)
        with self.assertRaisesRegex(
            ValueError, r"Unknown date preference 'invoice': expected one of generation"
        ):
            periods.document_date(D(2025, 1, 1), "monthly", "invoice")
        with self.assertRaisesRegex(ValueError, "cannot be negative"):
            periods.generation_date(D(2025, 1, 1), "monthly", -1)
        with self.assertRaisesRegex(ValueError, "cannot be negative"):
            list(periods.generation_dates(D(2025, 1, 1), "monthly", limit=-1))


class TestPeriods(unittest.TestCase):
    def test_period_bounds(self):
        cases = [
            ("daily", D(2024, 2, 29), (D(2024, 2, 29), D(2024, 2, 29))),
            ("weekly", D(2025, 5, 14), (D(2025, 5, 12), D(2025, 5, 18))),
            ("weekly", D(2025, 5, 12), (D(2025, 5, 12), D(2025, 5, 18))),
            ("weekly", D(2025, 5, 18), (D(2025, 5, 12), D(2025, 5, 18))),
            ("monthly", D(2024, 2, 10), (D(2024, 2, 1), D(2024, 2, 29))),
            ("monthly", D(2025, 2, 10), (D(2025, 2, 1), D(2025, 2, 28))),
            ("quarterly", D(2025, 1, 1), (D(2025, 1, 1), D(2025, 3, 31))),
            ("quarterly", D(2025, 8, 31), (D(2025, 7, 1), D(2025, 9, 30))),
            ("quarterly", D(2025, 12, 31), (D(2025, 10, 1), D(2025, 12, 31))),
            ("semiannual", D(2025, 6, 30), (D(2025, 1, 1), D(2025, 6, 30))),
            ("semiannual", D(2025, 7, 1), (D(2025, 7, 1), D(2025, 12, 31))),
            ("annual", D(2024, 7, 4), (D(2024, 1, 1), D(2024, 12, 31))),
        ]
        for frequency, day, bounds in cases:
            with self.subTest(frequency=frequency, day=day):
                self.assertEqual(periods.period_bounds(day, frequency), bounds)

    def test_iso_weeks_across_a_year_boundary(self):
        # Wednesday, January 1, 2025 is in ISO week 1 of 2025, which starts on Monday, December 30, 2024.
        self.assertEqual(periods.period_bounds(D(2025, 1, 1), "weekly"), (D(2024, 12, 30), D(2025, 1, 5)))
        self.assertEqual(periods.period_bounds(D(2024, 12, 31), "weekly"), (D(2024, 12, 30), D(2025, 1, 5)))
        # Friday, January 1, 2021 belongs to ISO week 53 of 2020 (Monday, December 28 to Sunday, January 3).
        self.assertEqual(periods.period_bounds(D(2021, 1, 1), "weekly"), (D(2020, 12, 28), D(2021, 1, 3)))
        self.assertEqual(
            periods.previous_period_bounds(D(2025, 1, 1), "weekly"), (D(2024, 12, 23), D(2024, 12, 29))
        )
        self.assertEqual(
            periods.next_period_bounds(D(2024, 12, 30), "weekly"), (D(2025, 1, 6), D(2025, 1, 12))
        )

    def test_previous_and_next_periods(self):
        cases = [
            # (frequency, day, previous, next)
            ("daily", D(2025, 1, 1), (D(2024, 12, 31),) * 2, (D(2025, 1, 2),) * 2),
            ("monthly", D(2024, 3, 31), (D(2024, 2, 1), D(2024, 2, 29)), (D(2024, 4, 1), D(2024, 4, 30))),
            ("monthly", D(2025, 1, 15), (D(2024, 12, 1), D(2024, 12, 31)), (D(2025, 2, 1), D(2025, 2, 28))),
            ("quarterly", D(2025, 2, 1), (D(2024, 10, 1), D(2024, 12, 31)), (D(2025, 4, 1), D(2025, 6, 30))),
            ("semiannual", D(2025, 7, 1), (D(2025, 1, 1), D(2025, 6, 30)), (D(2026, 1, 1), D(2026, 6, 30))),
            ("semiannual", D(2025, 3, 1), (D(2024, 7, 1), D(2024, 12, 31)), (D(2025, 7, 1), D(2025, 12, 31))),
            ("annual", D(2025, 3, 1), (D(2024, 1, 1), D(2024, 12, 31)), (D(2026, 1, 1), D(2026, 12, 31))),
        ]
        for frequency, day, previous, following in cases:
            with self.subTest(frequency=frequency, day=day):
                self.assertEqual(periods.previous_period_bounds(day, frequency), previous)
                self.assertEqual(periods.next_period_bounds(day, frequency), following)


class TestDocumentDate(unittest.TestCase):
    def test_every_frequency_and_preference(self):
        self.assertEqual(set(DOCUMENT_DATES), set(periods.FREQUENCIES))
        for frequency, by_preference in DOCUMENT_DATES.items():
            self.assertEqual(set(by_preference), set(periods.DATE_PREFERENCES))
            for preference, expected in by_preference.items():
                with self.subTest(frequency=frequency, preference=preference):
                    self.assertEqual(
                        periods.document_date(GENERATION, frequency, preference, generated_on=GENERATED_ON),
                        expected,
                    )

    def test_issue_example_monthly_generated_in_april(self):
        expected = {
            "generation": D(2026, 4, 15),
            "previous_period_end": D(2026, 3, 31),
            "period_start": D(2026, 4, 1),
            "period_end": D(2026, 4, 30),
            "next_period_start": D(2026, 5, 1),
            "next_period_end": D(2026, 5, 31),
        }
        for preference, day in expected.items():
            with self.subTest(preference=preference):
                self.assertEqual(periods.document_date(D(2026, 4, 15), "monthly", preference), day)

    def test_generation_preference_defaults_to_the_generation_date(self):
        self.assertEqual(periods.document_date(D(2025, 2, 28), "monthly", "generation"), D(2025, 2, 28))
        self.assertEqual(
            periods.document_date(D(2025, 2, 28), "monthly", "generation", generated_on=D(2025, 3, 3)),
            D(2025, 3, 3),
        )

    def test_month_end_boundaries(self):
        # Quarterly generated on Aug 31 (Q3), leap-year February for monthly, last half-year of the year.
        self.assertEqual(
            periods.document_date(D(2025, 8, 31), "quarterly", "next_period_end"), D(2025, 12, 31)
        )
        self.assertEqual(
            periods.document_date(D(2024, 3, 31), "monthly", "previous_period_end"), D(2024, 2, 29)
        )
        self.assertEqual(periods.document_date(D(2024, 1, 31), "monthly", "next_period_end"), D(2024, 2, 29))
        self.assertEqual(
            periods.document_date(D(2025, 12, 1), "semiannual", "next_period_start"), D(2026, 1, 1)
        )
