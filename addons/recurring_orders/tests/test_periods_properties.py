"""Properties of generation dates, periods and document dates over random dates (hypothesis)."""

import datetime
import unittest
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.addons.recurring_orders.tools import periods

D = datetime.date
# Other processes share the test machine's CPU: timing is no property of these pure functions.
busy_machine = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


class TestPeriodProperties(unittest.TestCase):
    @busy_machine
    @given(
        start=st.dates(min_value=D(1900, 1, 1), max_value=D(2200, 12, 31)),
        frequency=st.sampled_from(periods.FREQUENCIES),
        length=st.integers(min_value=0, max_value=4000),
    )
    def test_generation_dates_increase_strictly_inside_start_end(self, start, frequency, length):
        end = start + datetime.timedelta(days=length)
        dates = list(periods.generation_dates(start, frequency, end=end, limit=400))
        self.assertEqual(dates[0], start)
        self.assertTrue(all(earlier < later for earlier, later in pairwise(dates)))
        self.assertTrue(all(start <= day <= end for day in dates))
        if len(dates) < 400:
            # Nothing was skipped before end: the next generation date is beyond it.
            self.assertIsNone(periods.next_generation_date(start, frequency, after=dates[-1], end=end))
        self.assertEqual(dates, [periods.generation_date(start, frequency, k) for k in range(len(dates))])

    @busy_machine
    @given(
        start=st.dates(min_value=D(1900, 1, 1), max_value=D(2200, 12, 31)),
        frequency=st.sampled_from(periods.FREQUENCIES),
        offset=st.integers(min_value=-40, max_value=800),
    )
    def test_next_generation_date_is_the_first_after(self, start, frequency, offset):
        after = start + datetime.timedelta(days=offset)
        following = periods.next_generation_date(start, frequency, after=after)
        self.assertGreater(following, after)
        self.assertGreaterEqual(following, start)
        earlier = [day for day in periods.generation_dates(start, frequency, until=following) if day > after]
        self.assertEqual(earlier, [following])

    @busy_machine
    @given(
        generation=st.dates(min_value=D(1900, 1, 1), max_value=D(2200, 12, 31)),
        frequency=st.sampled_from(periods.FREQUENCIES),
        preference=st.sampled_from(periods.DATE_PREFERENCES),
    )
    def test_document_date_falls_in_the_expected_period(self, generation, frequency, preference):
        day = periods.document_date(generation, frequency, preference)
        current = periods.period_bounds(generation, frequency)
        previous = periods.previous_period_bounds(generation, frequency)
        following = periods.next_period_bounds(generation, frequency)
        expected_period, expected_day = {
            "generation": (current, generation),
            "previous_period_end": (previous, previous[1]),
            "period_start": (current, current[0]),
            "period_end": (current, current[1]),
            "next_period_start": (following, following[0]),
            "next_period_end": (following, following[1]),
        }[preference]
        self.assertEqual(day, expected_day)
        self.assertEqual(periods.period_bounds(day, frequency), expected_period)

    @busy_machine
    @given(
        day=st.dates(min_value=D(1900, 1, 1), max_value=D(2200, 12, 31)),
        frequency=st.sampled_from(periods.FREQUENCIES),
    )
    def test_periods_tile_the_calendar(self, day, frequency):
        first, last = periods.period_bounds(day, frequency)
        self.assertLessEqual(first, day)
        self.assertLessEqual(day, last)
        self.assertEqual(periods.period_bounds(first, frequency), (first, last))
        self.assertEqual(periods.period_bounds(last, frequency), (first, last))
        self.assertEqual(
            periods.previous_period_bounds(day, frequency)[1], first - datetime.timedelta(days=1)
        )
        self.assertEqual(periods.next_period_bounds(day, frequency)[0], last + datetime.timedelta(days=1))
        if frequency == "weekly":
            self.assertEqual((first.isoweekday(), last.isoweekday()), (1, 7))
        elif frequency != "daily":
            self.assertEqual(first.day, 1)
            self.assertEqual((last + datetime.timedelta(days=1)).day, 1)
