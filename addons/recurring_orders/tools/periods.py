"""Dates of recurring orders, as pure functions (no ORM), so they are easy to test and to reason about.

Vocabulary:

* **generation dates**: ``start``, then ``start + k x step`` (1 day, 1 week, 1, 3, 6 or 12 months), always
  computed from ``start`` so month ends do not drift: a monthly order starting on January 31 generates on
  February 28 (29 in leap years), March 31, April 30...
* **period** of a date, by the order's **alignment**:

  - ``calendar`` (the default): the calendar period containing it for the frequency: the day itself, the
    ISO week (Monday to Sunday), the month, the quarter, the half-year or the year;
  - ``anniversary``: the period counted from the order's start, from one generation date to the day
    before the next one (a monthly order starting on January 15 bills January 15 - February 14; one
    starting on January 31 bills January 31 - February 27, then February 28 - March 30, March 31 -
    April 29: month ends kept without drift).

  The billed period of an invoice is the period of its generation date.
* **covered days**: the days of a period between the order's start and its end date; **proration** bills a
  period cut by either for its covered days only (:func:`proration`).
* **document date**: the invoice date, chosen by a preference relative to that period (see
  :func:`document_date`).

Every function takes and returns ``datetime.date`` objects. An unknown frequency or preference raises
``ValueError`` naming the valid values; a date beyond year 9999 raises ``OverflowError`` (iterators simply
stop there).
"""

import calendar
import datetime
from fractions import Fraction

from dateutil.relativedelta import relativedelta

# Every frequency: key, label, and its step (from one generation date to the next, which is also the
# length of a period) in days or in months. The selection of the orders' field, the step tables below and
# the dashboard's SQL are all derived from it.
_FREQUENCY_STEPS = (
    # key, label, days, months
    ("daily", "Daily", 1, 0),
    ("weekly", "Weekly", 7, 0),
    ("monthly", "Monthly", 0, 1),
    ("quarterly", "Quarterly", 0, 3),
    ("semiannual", "Semiannual", 0, 6),
    ("annual", "Annual", 0, 12),
)
FREQUENCY_SELECTION = [(key, label) for key, label, _days, _months in _FREQUENCY_STEPS]
FREQUENCIES = tuple(key for key, _label in FREQUENCY_SELECTION)
DAY_STEPS = {key: days for key, _label, days, _months in _FREQUENCY_STEPS if days}
MONTH_STEPS = {key: months for key, _label, _days, months in _FREQUENCY_STEPS if months}

ALIGNMENT_SELECTION = [
    ("calendar", "Calendar periods"),
    ("anniversary", "From the first generation date"),
]
ALIGNMENTS = tuple(key for key, _label in ALIGNMENT_SELECTION)

# The first and the last day of a period, as indexes of its bounds.
FIRST, LAST = 0, 1
# Every date preference: key, label, and the invoice date it gives as (period, bound): the first or last
# day of the period before (-1), of (0) or after (1) the billed period; None: the day of generation.
_DATE_PREFERENCES = (
    ("generation", "Generation date", None),
    ("previous_period_end", "End of the previous period", (-1, LAST)),
    ("period_start", "Start of the period", (0, FIRST)),
    ("period_end", "End of the period", (0, LAST)),
    ("next_period_start", "Start of the next period", (1, FIRST)),
    ("next_period_end", "End of the next period", (1, LAST)),
)
DATE_PREFERENCE_SELECTION = [(key, label) for key, label, _bound in _DATE_PREFERENCES]
DATE_PREFERENCES = tuple(key for key, _label in DATE_PREFERENCE_SELECTION)
DOCUMENT_DATE_BOUNDS = {key: bound for key, _label, bound in _DATE_PREFERENCES if bound}

# The consumption each invoice adds: none, or that of a period counted from its billed period (the billed
# period itself, or the one before).
_CONSUMPTION_PERIODS = (
    # key, label, period shift (None: no consumption)
    ("none", "None", None),
    ("current", "Billed period", 0),
    ("previous", "Previous period", -1),
)
CONSUMPTION_SELECTION = [(key, label) for key, label, _shift in _CONSUMPTION_PERIODS]
CONSUMPTION_PERIOD_SHIFTS = {key: shift for key, _label, shift in _CONSUMPTION_PERIODS if shift is not None}

_ONE_DAY = datetime.timedelta(days=1)


def check_frequency(frequency):
    """Raise ValueError unless ``frequency`` is one of FREQUENCIES."""
    if frequency not in FREQUENCIES:
        raise ValueError(f"Unknown frequency {frequency!r}: expected one of {', '.join(FREQUENCIES)}.")


def check_date_preference(preference):
    """Raise ValueError unless ``preference`` is one of DATE_PREFERENCES."""
    if preference not in DATE_PREFERENCES:
        raise ValueError(
            f"Unknown date preference {preference!r}: expected one of {', '.join(DATE_PREFERENCES)}."
        )


def check_alignment(alignment):
    """Raise ValueError unless ``alignment`` is one of ALIGNMENTS."""
    if alignment not in ALIGNMENTS:
        raise ValueError(f"Unknown alignment {alignment!r}: expected one of {', '.join(ALIGNMENTS)}.")


def generation_date(start, frequency, index):
    """The ``index``-th generation date (0 is ``start``), always computed from ``start``."""
    check_frequency(frequency)
    if index < 0:
        raise ValueError(f"The index of a generation date cannot be negative (got {index}).")
    return _step_from(start, frequency, index)


def _step_from(start, frequency, index):
    """``start`` moved by ``index`` steps of the frequency (negative: backwards), from ``start`` itself."""
    try:
        if frequency in DAY_STEPS:
            return start + datetime.timedelta(days=DAY_STEPS[frequency] * index)
        # relativedelta clamps the day to the target month's last day (Jan 31 + 1 month = Feb 28/29).
        return start + relativedelta(months=MONTH_STEPS[frequency] * index)
    except (OverflowError, ValueError) as error:
        raise OverflowError(
            f"Generation date {index} from {start} ({frequency}) is beyond the representable dates."
        ) from error


def _step_index(start, frequency, day):
    """The largest index (negative before ``start``) whose step from ``start`` is on or before ``day``."""
    if frequency in DAY_STEPS:
        return (day - start).days // DAY_STEPS[frequency]
    months = (day.year - start.year) * 12 + day.month - start.month
    index = months // MONTH_STEPS[frequency]
    # Clamped month ends: the step of ``index`` may fall after ``day`` in the same month.
    if _step_from(start, frequency, index) > day:
        index -= 1
    return index


def generation_dates(start, frequency, end=None, until=None, limit=None):
    """Yield the successive generation dates from ``start``.

    Stops after ``end`` (the order's end date, inclusive) and after ``until`` (e.g. today, inclusive),
    after ``limit`` dates, or at the last representable date. Without any bound the iterator is infinite.
    """
    check_frequency(frequency)
    if limit is not None and limit < 0:
        raise ValueError(f"The limit of generation dates cannot be negative (got {limit}).")
    index = 0
    while limit is None or index < limit:
        try:
            day = generation_date(start, frequency, index)
        except OverflowError:
            return
        if (end is not None and day > end) or (until is not None and day > until):
            return
        yield day
        index += 1


def next_generation_date(start, frequency, after=None, end=None):
    """The first generation date strictly after ``after`` (``start`` itself when ``after`` is None).

    None when that date is after ``end`` (inclusive bound) or beyond the last representable date.
    Computed directly (no walk from ``start``), so it is cheap for old daily orders.
    """
    check_frequency(frequency)
    index = 0
    if after is not None and after >= start:
        if frequency in DAY_STEPS:
            index = (after - start).days // DAY_STEPS[frequency] + 1
        else:
            # Dates before this index fall in earlier months than ``after``'s, so they are all <= after.
            months = (after.year - start.year) * 12 + after.month - start.month
            index = months // MONTH_STEPS[frequency]
    try:
        day = generation_date(start, frequency, index)
        while after is not None and day <= after:
            index += 1
            day = generation_date(start, frequency, index)
    except OverflowError:
        return None
    if end is not None and day > end:
        return None
    return day


def period_bounds(day, frequency, alignment="calendar", start=None):
    """``(first, last)`` of the period containing ``day`` for the frequency: the calendar period, or with
    the ``anniversary`` alignment the period counted from ``start`` (the order's first generation date)."""
    check_frequency(frequency)
    check_alignment(alignment)
    if alignment == "anniversary":
        if start is None:
            raise ValueError("Anniversary periods are counted from the order's start: give start.")
        index = _step_index(start, frequency, day)
        return _step_from(start, frequency, index), _step_from(start, frequency, index + 1) - _ONE_DAY
    if frequency == "daily":
        return day, day
    if frequency == "weekly":
        monday = day - datetime.timedelta(days=day.weekday())
        return monday, monday + datetime.timedelta(days=6)
    months = MONTH_STEPS[frequency]
    first_month = (day.month - 1) // months * months + 1
    last_month = first_month + months - 1
    last_day = calendar.monthrange(day.year, last_month)[1]
    return datetime.date(day.year, first_month, 1), datetime.date(day.year, last_month, last_day)


def previous_period_bounds(day, frequency, alignment="calendar", start=None):
    """``(first, last)`` of the period just before the one containing ``day``."""
    first, _last = period_bounds(day, frequency, alignment, start)
    return period_bounds(first - _ONE_DAY, frequency, alignment, start)


def next_period_bounds(day, frequency, alignment="calendar", start=None):
    """``(first, last)`` of the period just after the one containing ``day``."""
    _first, last = period_bounds(day, frequency, alignment, start)
    return period_bounds(last + _ONE_DAY, frequency, alignment, start)


def proration(first, last, start, end=None):
    """``(covered_first, covered_last, share)`` of the period ``[first, last]`` for an order running from
    ``start`` to ``end`` (inclusive, None: open): the covered days, and their share of the period's days
    as an exact ``Fraction`` (1 for a period the order covers whole). ``None`` when no day is covered."""
    covered_first = max(first, start)
    covered_last = last if end is None else min(last, end)
    if covered_last < covered_first:
        return None
    share = Fraction((covered_last - covered_first).days + 1, (last - first).days + 1)
    return covered_first, covered_last, share


def document_date(
    generation_date, frequency, preference, generated_on=None, alignment="calendar", start=None
):
    """The invoice date for a generation date, following the order's date preference.

    Relative to the period of ``generation_date`` (monthly, generated in April):

    * ``generation``: ``generated_on``, the day the invoice is actually created (defaults to
      ``generation_date``; differs from it when a run catches up missed periods);
    * ``previous_period_end``: March 31;
    * ``period_start``: April 1; ``period_end``: April 30;
    * ``next_period_start``: May 1; ``next_period_end``: May 31.

    With the ``anniversary`` alignment the periods are counted from ``start``.
    """
    check_frequency(frequency)
    check_date_preference(preference)
    if preference not in DOCUMENT_DATE_BOUNDS:
        return generated_on or generation_date
    shift, bound = DOCUMENT_DATE_BOUNDS[preference]
    bounds_of = {-1: previous_period_bounds, 0: period_bounds, 1: next_period_bounds}[shift]
    return bounds_of(generation_date, frequency, alignment, start)[bound]
