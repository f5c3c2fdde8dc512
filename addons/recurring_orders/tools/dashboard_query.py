"""The SQL of the recurring invoicing dashboard.

Pure SQL builders (no ORM, ``odoo.tools.SQL`` only): ``recurring.dashboard`` gives them what depends on
the database (the company-wide defaults of company-dependent fields, how consumption lines are recognized)
and "today".

The query is one plain SELECT over the confirmed recurring orders, each question answered by a join that
returns at most one row per order (lateral aggregates, grouped subqueries, scalar subqueries): PostgreSQL
then plans the dashboard like a view it can see through. A count reads the orders only (the joins nobody
reads are removed), a page of rows by id computes the lateral parts for those rows only, and the problems
are computed as of the ``today`` given, when the rows are read.

The problems, which the tiles count and the list sorts on for every order, read no invoice: what they need
of the invoices is stored on the order in the transaction that changes an invoice (the oldest generation
date without invoice, the last invoice and what it billed for the subscription, the periods billed twice).
The counts of invoices per period shown in the columns are looked up for the rows read only.

The date arithmetic is the SQL translation of ``tools.periods``: generation date k is
``start + k x step`` computed from the start (PostgreSQL's ``date + interval 'n months'`` clamps month ends
like ``relativedelta``), the period of a date is its calendar day, ISO week, month, quarter, half-year or
year, or with the anniversary alignment the period from a generation date to the day before the next one,
and a step is as long as a period, so each period holds at most one generation date. An order that
prorates bills its first period from its start: an invoice starting on the order's start counts for the
period containing it. Every ``CASE`` over a choice of the order (frequency, date preference) is built
from the tables of ``tools.periods``, one branch per key.
"""

from odoo.tools import SQL

from . import periods

# Months in one period of each frequency (a year of 365.25 days): a recurring amount divided by it is a
# monthly amount.
MONTHS_PER_PERIOD = {
    key: periods.MONTH_STEPS.get(key) or 12 / (365.25 / periods.DAY_STEPS[key]) for key in periods.FREQUENCIES
}


# The amount every generated invoice repeats: the order's untaxed amount without its Bill once lines.
RECURRING_AMOUNT = SQL("(so.amount_untaxed - COALESCE(once.amount_untaxed, 0))")
# The order adds consumption to its invoices (of the billed period or of another one).
ADDS_CONSUMPTION = SQL("(so.recurrence_consumption IN %s)", tuple(periods.CONSUMPTION_PERIOD_SHIFTS))


def case_sql(value, results, keys):
    """SQL of ``CASE value WHEN key THEN result ... END`` with one branch per key of a choice list (no
    ELSE): ``results`` maps each of ``keys`` to its SQL or value; a missing or unknown key is an error
    when the query is built, not a silent default."""
    if set(results) != set(keys):
        raise ValueError(f"CASE branches {sorted(results)} do not match the keys {sorted(keys)}.")
    return SQL(
        "(CASE %s %s END)", value, SQL(" ").join(SQL("WHEN %s THEN %s", key, results[key]) for key in keys)
    )


def period_start_sql(day, frequency):
    """SQL of the first day of the calendar period containing ``day``, as ``tools.periods.period_bounds``:
    the day itself, the Monday of its ISO week, or the first day of its group of months in the year."""
    starts = {
        "daily": day,
        "weekly": SQL("date_trunc('week', %s::timestamp)::date", day),
    }
    for key, months in periods.MONTH_STEPS.items():
        starts[key] = SQL(
            "make_date(date_part('year', %(day)s)::int, (date_part('month', %(day)s)::int - 1) / %(months)s"
            " * %(months)s + 1, 1)",
            day=day,
            months=months,
        )
    return case_sql(frequency, starts, periods.FREQUENCIES)


def _month_step_sql(frequency):
    return case_sql(
        frequency, {key: periods.MONTH_STEPS.get(key, 0) for key in periods.FREQUENCIES}, periods.FREQUENCIES
    )


def _day_step_sql(frequency):
    return case_sql(
        frequency, {key: periods.DAY_STEPS.get(key, 0) for key in periods.FREQUENCIES}, periods.FREQUENCIES
    )


def generation_index_sql(day, start, frequency):
    """SQL of the index of the last generation date on or before ``day`` (negative before ``start``), as
    ``tools.periods._step_index``: the whole steps in the months from ``start`` to ``day``, not counting
    ``day``'s month when its generation date is later in it (``day`` before the start's day of the month and
    not the month's last day). Integer arithmetic only."""
    return SQL(
        """(CASE WHEN %(day_step)s > 0 THEN floor((%(day)s - %(start)s)::numeric / %(day_step)s)::int
            ELSE floor((%(months)s - CASE WHEN date_part('day', %(day)s) < date_part('day', %(start)s)
                                          AND date_part('day', %(day)s + 1) != 1 THEN 1 ELSE 0 END
                       )::numeric / NULLIF(%(month_step)s, 0))::int
        END)""",
        day=day,
        start=start,
        day_step=_day_step_sql(frequency),
        month_step=_month_step_sql(frequency),
        months=months_between_sql(start, day),
    )


def generation_date_sql(start, frequency, index):
    """SQL of generation date ``index`` (``start + index x step``, from the start: no drift)."""
    return SQL("(%s + %s * %s)::date", start, index, period_length_sql(frequency))


def shifted_period_start_sql(day, shift, order="so"):
    """SQL of the first day of the period ``shift`` periods after the order's period containing ``day``
    (negative: before it): calendar periods follow each other by their length; anniversary periods start
    on the generation dates, counted from the start (month ends do not drift)."""
    start = SQL("%s.recurrence_date_start", SQL.identifier(order))
    frequency = SQL("%s.recurrence_frequency", SQL.identifier(order))
    calendar = period_start_sql(day, frequency)
    if shift:
        calendar = SQL("(%s + %s * %s)::date", calendar, shift, period_length_sql(frequency))
    return SQL(
        "(CASE WHEN %s.recurrence_period_alignment = 'anniversary' THEN %s ELSE %s END)",
        SQL.identifier(order),
        generation_date_sql(
            start, frequency, SQL("(%s + %s)", generation_index_sql(day, start, frequency), shift)
        ),
        calendar,
    )


def period_bound_sql(day, shift, bound):
    """SQL of the first or last day (``bound``: ``tools.periods.FIRST`` or ``LAST``) of the period ``shift``
    periods after the order's period containing ``day``."""
    if bound == periods.FIRST:
        return shifted_period_start_sql(day, shift)
    return SQL("%s - 1", shifted_period_start_sql(day, shift + 1))


def period_length_sql(frequency):
    """SQL interval of one period, which is also the step between two generation dates."""
    lengths = {key: SQL("(%s * interval '1 day')", days) for key, days in periods.DAY_STEPS.items()}
    lengths.update(
        {key: SQL("(%s * interval '1 month')", months) for key, months in periods.MONTH_STEPS.items()}
    )
    return case_sql(frequency, lengths, periods.FREQUENCIES)


def months_between_sql(first, last):
    """SQL of the number of calendar months from the month of ``first`` to the month of ``last``."""
    return SQL(
        "((date_part('year', %(last)s) - date_part('year', %(first)s)) * 12"
        " + date_part('month', %(last)s) - date_part('month', %(first)s))::int",
        first=first,
        last=last,
    )


def schedule_sql(today, order="so"):
    """SQL subquery of the schedule of the order ``order`` as of ``today``: ``due_count`` (its generation
    dates up to today and up to its end date, or when it prorates, those whose period starts on or before
    it, without those whose period ends on or before its *Invoiced until*), the period starts of its first
    due date, of its last due date and of today, its step in months (``month_step``, 0 for daily and
    weekly), in days (``day_step``, 0 for month steps), ``is_weekly``, ``is_anniversary``, its start
    (``date_start``), the start of the period containing it (``start_period_start``) and the end of the one
    containing its end date (``end_period_end``).

    Each stage is computed once per order (``OFFSET 0`` keeps PostgreSQL from copying an expression into
    every place that reads it).
    """
    start = SQL("%s.recurrence_date_start", SQL.identifier(order))
    end = SQL("%s.recurrence_date_end", SQL.identifier(order))
    invoiced_until = SQL("%s.recurrence_invoiced_until", SQL.identifier(order))
    frequency = SQL("%s.recurrence_frequency", SQL.identifier(order))
    alignment = SQL("%s.recurrence_period_alignment", SQL.identifier(order))
    prorate = SQL("COALESCE(%s.recurrence_prorate, FALSE)", SQL.identifier(order))
    step = period_length_sql(frequency)

    def period_start(day):
        return shifted_period_start_sql(day, 0, order)

    # A generation date's period ends on or before Invoiced until when the date is before the start of the
    # period of the day after Invoiced until.
    billed_outside_before = period_start(SQL("(%s + 1)", invoiced_until))
    # The day before the start of the period after the one containing the end date (read when prorating).
    end_period_end = SQL("CASE WHEN %s THEN %s - 1 END", prorate, shifted_period_start_sql(end, 1, order))
    return SQL(
        """(SELECT due.total_count - due.covered_count AS due_count,
                   GREATEST(due.first_period_start, bound.billed_outside_before) AS first_period_start,
                   due.first_period_start AS start_period_start,
                   due.today_period_start, bound.month_step, bound.day_step, bound.is_weekly,
                   bound.is_anniversary, bound.date_start, bound.end_period_end,
                   CASE WHEN due.total_count > due.covered_count THEN %(last_due_period_start)s END
                       AS last_due_period_start
              FROM (
                  SELECT bound.*,
                         %(months)s / NULLIF(bound.month_step, 0) AS month_steps,
                         %(covered_months)s / NULLIF(bound.month_step, 0) AS covered_month_steps
                    FROM (
                        SELECT bound.*,
                               CASE WHEN %(invoiced_until)s IS NOT NULL
                                   THEN LEAST(bound.due_until, bound.billed_outside_before - 1)
                               END AS covered_until
                          FROM (
                              SELECT bound.*,
                                     LEAST(%(today)s::date, COALESCE(
                                         CASE WHEN %(prorate)s THEN bound.end_period_end ELSE %(end)s END,
                                         %(today)s::date)) AS due_until
                                FROM (
                                    SELECT %(billed_outside_before)s AS billed_outside_before,
                                           %(end_period_end)s AS end_period_end,
                                           %(start)s AS date_start,
                                           %(month_step)s AS month_step,
                                           %(day_step)s AS day_step,
                                           %(frequency)s = 'weekly' AS is_weekly,
                                           %(alignment)s = 'anniversary' AS is_anniversary
                                    OFFSET 0
                                ) bound
                              OFFSET 0
                          ) bound
                        OFFSET 0
                    ) bound
                  OFFSET 0
              ) bound
             CROSS JOIN LATERAL (
                 SELECT %(total_count)s AS total_count,
                        %(covered_count)s AS covered_count,
                        %(first_period_start)s AS first_period_start,
                        %(today_period_start)s AS today_period_start
                 OFFSET 0
             ) due
        )""",
        today=today,
        end=end,
        start=start,
        prorate=prorate,
        alignment=alignment,
        invoiced_until=invoiced_until,
        billed_outside_before=billed_outside_before,
        end_period_end=end_period_end,
        frequency=frequency,
        month_step=_month_step_sql(frequency),
        day_step=_day_step_sql(frequency),
        months=months_between_sql(start, SQL("bound.due_until")),
        covered_months=months_between_sql(start, SQL("bound.covered_until")),
        total_count=_generation_count_sql(start, SQL("bound.due_until"), SQL("bound.month_steps"), step),
        covered_count=_generation_count_sql(
            start, SQL("bound.covered_until"), SQL("bound.covered_month_steps"), step
        ),
        first_period_start=period_start(start),
        today_period_start=period_start(SQL("%s::date", today)),
        last_due_period_start=period_start(SQL("(%s + (due.total_count - 1) * %s)::date", start, step)),
    )


def _generation_count_sql(start, until, month_steps, step):
    """SQL of the number of generation dates from ``start`` up to ``until`` (0 when ``until`` is null);
    ``month_steps``: the whole steps of months from ``start`` to ``until``."""
    return SQL(
        """(CASE
            WHEN %(start)s IS NULL OR %(until)s IS NULL OR %(until)s < %(start)s THEN 0
            WHEN bound.day_step > 0 THEN (%(until)s - %(start)s) / bound.day_step + 1
            -- the last step of the month may be ahead (start on the 20th, until the 10th)
            WHEN (%(start)s + %(month_steps)s * %(step)s)::date > %(until)s THEN %(month_steps)s
            ELSE %(month_steps)s + 1
        END)""",
        start=start,
        until=until,
        month_steps=month_steps,
        step=step,
    )


def _aligned_period_sql(day):
    """SQL condition: ``day`` starts a period of the order's current schedule (``schedule``): a calendar
    period of its frequency (``month_step``, 0 for daily and weekly, ``is_weekly``), or with the
    anniversary alignment one of its generation dates (a whole number of steps from ``date_start``, on the
    start's day of the month, or on the month's last day when the start's day is later); an invoice of an
    earlier frequency may not. Evaluated once per invoice, hence integer tests rather than
    ``shifted_period_start_sql``."""
    return SQL(
        """(CASE WHEN schedule.is_anniversary THEN
                CASE WHEN schedule.day_step > 0 THEN (%(day)s - schedule.date_start) %% schedule.day_step = 0
                ELSE %(months)s %% schedule.month_step = 0
                     AND (date_part('day', %(day)s) = date_part('day', schedule.date_start)
                          OR (date_part('day', %(day)s) < date_part('day', schedule.date_start)
                              AND date_part('day', %(day)s + 1) = 1))
                END
            WHEN schedule.month_step = 0 THEN NOT schedule.is_weekly OR date_part('isodow', %(day)s) = 1
            ELSE date_part('day', %(day)s) = 1
                 AND (date_part('month', %(day)s)::int - 1) %% schedule.month_step = 0
        END)""",
        day=day,
        months=months_between_sql(SQL("schedule.date_start"), day),
    )


def _invoice_join(today):
    """``invoiced``: the order's schedule as of ``today`` (``due_count``, see ``schedule_sql``) and counts
    of its generated invoices that are not cancelled: all of them, those of the period containing today,
    those of due generation dates (of the current schedule).

    One lateral look-up per order in the unique index on (order, period start), which also guarantees one
    invoice per period: counting invoices counts periods. Only the columns shown read it: PostgreSQL drops
    the join from the tile counts and the sort, which read the stored next generation date instead. An
    invoice starting on the order's start (a prorated first period) counts for the period containing it.
    """
    return SQL(
        """LEFT JOIN LATERAL (
                SELECT MAX(schedule.due_count) AS due_count,
                       COUNT(move.id) AS invoice_count,
                       COUNT(move.id) FILTER (
                           WHERE move.recurring_period_start = schedule.today_period_start
                              OR (%(prorated_first)s
                                  AND schedule.start_period_start = schedule.today_period_start)
                       ) AS current_period_count,
                       COUNT(move.id) FILTER (
                           WHERE (move.recurring_period_start
                                      BETWEEN schedule.first_period_start AND schedule.last_due_period_start
                                  AND %(aligned_period)s)
                              OR (%(prorated_first)s
                                  AND schedule.start_period_start
                                      BETWEEN schedule.first_period_start AND schedule.last_due_period_start)
                       ) AS invoiced_due_count
                  FROM %(schedule)s schedule
                  LEFT JOIN account_move move
                         ON move.recurring_order_id = so.id
                        AND move.recurring_order_id IS NOT NULL AND move.state != 'cancel'
           ) invoiced ON TRUE""",
        aligned_period=_aligned_period_sql(SQL("move.recurring_period_start")),
        # a prorated first period: the invoice starts on the order's start, inside its period
        prorated_first=SQL(
            "(move.recurring_period_start = schedule.date_start"
            " AND schedule.date_start != schedule.start_period_start)"
        ),
        schedule=schedule_sql(today),
    )


def _last_invoice_prorated_sql():
    """SQL condition: the order prorates and its last generated invoice bills a period cut by the order's
    start or last day (a share of the amount, not checked). Read for the orders that prorate only."""
    return SQL(
        """COALESCE(COALESCE(so.recurrence_prorate, FALSE) AND so.recurrence_last_invoice_id IS NOT NULL AND (
            SELECT (last.recurring_period_start = so.recurrence_date_start
                    AND so.recurrence_date_start != %(start_period_start)s)
                   OR (last.recurring_period_end = so.recurrence_date_end
                       AND so.recurrence_date_end != %(end_period_start)s - 1)
              FROM account_move last
             WHERE last.id = so.recurrence_last_invoice_id
        ), FALSE)""",
        start_period_start=shifted_period_start_sql(SQL("so.recurrence_date_start"), 0),
        end_period_start=shifted_period_start_sql(SQL("so.recurrence_date_end"), 1),
    )


def _once_lines_join():
    """``once``: per order, the untaxed amount of its *Bill once* lines, billed on its first invoice only:
    they are no part of the recurring amount the last invoice is checked against. Grouped over the few
    once-lines (a partial index) rather than looked up for every order."""
    return SQL(
        """LEFT JOIN (
                SELECT line.order_id, SUM(line.price_subtotal) AS amount_untaxed,
                       SUM(line.price_total) AS amount_total
                  FROM sale_order_line line
                 WHERE line.recurrence_bill_once AND line.display_type IS NULL
                 GROUP BY line.order_id
           ) once ON once.order_id = so.id"""
    )


def duplicate_periods_sql(order_ids):
    """SQL of ``(order_id, period_count)``: for each of ``order_ids`` that has any, the periods billed
    more than once by invoices that are not cancelled (stored on the order, read by the dashboard).

    Generated invoices cannot bill a period twice (the unique index): a duplicate involves an invoice made
    by hand from the order's lines, counted in the period of its date, next to a generated invoice or to
    another hand-made invoice of the same period. From the orders' lines: a few index look-ups per order.
    """
    return SQL(
        """SELECT billed.order_id, COUNT(*) AS period_count
             FROM (
                 SELECT hand_made.order_id, hand_made.period_start
                   FROM (
                       SELECT DISTINCT recurring.id AS order_id, move.id, %(hand_made_period)s AS period_start
                         FROM sale_order recurring
                         JOIN sale_order_line order_line ON order_line.order_id = recurring.id
                         JOIN sale_order_line_invoice_rel rel ON rel.order_line_id = order_line.id
                         JOIN account_move_line line ON line.id = rel.invoice_line_id
                         JOIN account_move move ON move.id = line.move_id
                        WHERE recurring.id = ANY(%(order_ids)s)
                          AND move.recurring_order_id IS NULL AND move.state != 'cancel'
                          AND move.move_type = 'out_invoice'
                   ) hand_made
                  GROUP BY hand_made.order_id, hand_made.period_start
                 HAVING COUNT(*) > 1 OR EXISTS (
                     SELECT 1 FROM account_move generated
                      WHERE generated.recurring_order_id = hand_made.order_id
                        AND generated.recurring_period_start = hand_made.period_start
                        AND generated.state != 'cancel'
                 )
             ) billed
            GROUP BY billed.order_id""",
        order_ids=list(order_ids),
        hand_made_period=shifted_period_start_sql(
            SQL("COALESCE(move.invoice_date, move.date)"), 0, order="recurring"
        ),
    )


def _company_join(defaults):
    """``company``: the order's company with the company-wide defaults of the company-dependent fields read
    here, the default account of its first sales journal (the last resort of an invoice line's account)
    and whether any product lacks an active income account in it; computed once per company (``OFFSET 0``
    keeps each level a separate step)."""
    return SQL(
        """JOIN (
                SELECT company.*,
                       EXISTS (
                           SELECT 1
                             FROM product_template template
                             %(income_account)s
                            WHERE NOT COALESCE(account.active, FALSE)
                       ) AS has_unaccounted_product
                  FROM (
                      SELECT company.id,
                             company.currency_id,
                             company.income_account_id,
                             %(product_income)s AS product_income,
                             %(category_income)s AS category_income,
                             %(payment_term)s AS payment_term,
                             (SELECT journal.default_account_id
                                FROM account_journal journal
                               WHERE journal.company_id = company.id AND journal.type = 'sale'
                                 AND journal.active
                               ORDER BY journal.sequence, journal.id
                               LIMIT 1) AS journal_account_id
                        FROM res_company company
                      OFFSET 0
                  ) company
                OFFSET 0
           ) company ON company.id = so.company_id""",
        income_account=_income_account_join(),
        **defaults,
    )


def _income_account_join():
    """Joins ``account``, the income account Odoo finds for ``template`` in ``company``: the product's, its
    category's, the company's default, the sales journal's default account (first found)."""
    return SQL(
        """LEFT JOIN product_category category ON category.id = template.categ_id
           LEFT JOIN account_account account ON account.id = COALESCE(
                    (%(product_income)s)::int,
                    CASE WHEN category.id IS NOT NULL THEN (%(category_income)s)::int END,
                    company.income_account_id,
                    company.journal_account_id)""",
        product_income=property_sql(
            SQL("template.property_account_income_id"), SQL("company.product_income")
        ),
        category_income=property_sql(
            SQL("category.property_account_income_categ_id"), SQL("company.category_income")
        ),
    )


def property_sql(column, default):
    """SQL of a company-dependent many2one (jsonb by company) for ``company.id``, else its default."""
    return SQL("NULLIF(COALESCE(%s -> company.id::text, %s) #>> '{}', 'false')", column, default)


def _unaccounted_product_sql():
    """SQL of the order's first invoiced product (a line of quantity 0 is not copied on the invoices) whose
    income account (see ``_income_account_join``) is missing or archived: posting its invoice would fail.
    Only looked for in companies where such a product exists."""
    return SQL(
        """(CASE WHEN company.has_unaccounted_product THEN (
            SELECT order_line.product_id
              FROM sale_order_line order_line
              JOIN product_product product ON product.id = order_line.product_id
              JOIN product_template template ON template.id = product.product_tmpl_id
              %(income_account)s
             WHERE order_line.order_id = so.id
               AND order_line.display_type IS NULL AND NOT COALESCE(order_line.is_downpayment, FALSE)
               AND order_line.product_uom_qty != 0
               AND NOT COALESCE(account.active, FALSE)
             ORDER BY order_line.sequence, order_line.id
             LIMIT 1
        ) END)""",
        income_account=_income_account_join(),
    )


def consumption_gap_sql(today):
    """SQL condition: the order adds consumption, its customer (with its contacts) had consumption in its
    company in each of the three periods before the one containing ``today``, and has none in that one:
    a feed that stopped, found before invoicing. One indexed look-up per period and order."""
    today = SQL("%s::date", today)

    def consumed(periods_back):
        return SQL(
            """EXISTS (SELECT 1 FROM consumption_record record
                        JOIN res_partner record_partner ON record_partner.id = record.partner_id
                       WHERE record_partner.commercial_partner_id = customer.commercial_partner_id
                         AND record.company_id = so.company_id AND record.active
                         AND record.date >= %s AND record.date < %s)""",
            shifted_period_start_sql(today, -periods_back),
            shifted_period_start_sql(today, 1 - periods_back),
        )

    return SQL(
        "(%s AND %s AND %s AND %s AND NOT %s)",
        ADDS_CONSUMPTION,
        consumed(1),
        consumed(2),
        consumed(3),
        consumed(0),
    )


def next_document_date_sql(today):
    """SQL of the next invoice's date after the order's preference (``tools.periods.document_date``; a
    generation that runs late is dated the day it runs), in the periods of the order's alignment."""
    next_date = SQL("so.recurrence_next_date")
    # A preference without bounds dates the invoice the day it is generated.
    dates = dict.fromkeys(periods.DATE_PREFERENCES, SQL("GREATEST(%s, %s::date)", next_date, today))
    dates.update(
        (preference, period_bound_sql(next_date, shift, bound))
        for preference, (shift, bound) in periods.DOCUMENT_DATE_BOUNDS.items()
    )
    return case_sql(SQL("so.recurrence_date_preference"), dates, periods.DATE_PREFERENCES)


def dashboard_query(today, defaults):
    """SQL of the dashboard's rows as of ``today``.

    :param defaults: SQL of the company-wide defaults of ``product_income``, ``category_income`` and
        ``payment_term`` for ``company.id``
    """
    months_per_period = case_sql(SQL("so.recurrence_frequency"), MONTHS_PER_PERIOD, periods.FREQUENCIES)
    return SQL(
        """
        SELECT dashboard.*,
               flags.*,
               dashboard.has_missing_invoice::int + flags.has_duplicate_invoice::int
                   + flags.has_amount_discrepancy::int + dashboard.has_missing_email::int
                   + flags.has_inconsistency::int + flags.has_generation_error::int
                   + dashboard.has_no_consumption::int AS problem_count
          FROM (
            SELECT so.id AS id,
                   so.id AS order_id,
                   so.name AS name,
                   so.partner_id,
                   invoice_partner.id AS invoice_partner_id,
                   so.user_id,
                   so.company_id,
                   so.currency_id,
                   company.currency_id AS company_currency_id,
                   so.recurrence_frequency AS frequency,
                   so.recurrence_invoice_state AS invoice_state,
                   so.recurrence_date_preference AS date_preference,
                   so.recurrence_date_start AS date_start,
                   so.recurrence_date_end AS date_end,
                   %(recurring_amount)s AS amount_untaxed,
                   so.amount_total - COALESCE(once.amount_total, 0) AS amount_total,
                   %(recurring_amount)s / COALESCE(NULLIF(so.currency_rate, 0), 1) / %(months_per_period)s
                       AS monthly_recurring_revenue,
                   so.recurrence_next_date AS next_date,
                   %(next_document_date)s AS next_document_date,
                   invoiced.invoice_count,
                   invoiced.current_period_count AS current_period_invoice_count,
                   so.recurrence_last_invoice_id AS last_invoice_id,
                   CASE WHEN so.recurrence_last_invoice_id IS NOT NULL
                       THEN so.recurrence_last_subscription_amount END AS last_invoice_amount,
                   -- a prorated period bills less than the order's amount: its amount is not checked
                   %(last_invoice_prorated)s AS is_last_invoice_prorated,
                   COALESCE(currency.rounding, 0.01) AS rounding,
                   -- the oldest generation date without invoice is due (the stored next generation date)
                   COALESCE(so.recurrence_next_date <= %(today)s::date, FALSE) AS has_missing_invoice,
                   invoiced.due_count - invoiced.invoiced_due_count AS missing_count,
                   COALESCE(so.recurrence_duplicate_period_count, 0) AS duplicate_period_count,
                   COALESCE(so.recurrence_invoice_state = 'sent', FALSE)
                       AND COALESCE(btrim(invoice_partner.email), '') = ''
                       -- only a customer invoiced by email needs an address (Odoo's default method)
                       AND COALESCE(invoice_commercial.invoice_sending_method ->> company.id::text, 'email')
                           = 'email' AS has_missing_email,
                   COALESCE(so.recurrence_bill_parent, FALSE) AND customer.parent_id IS NULL
                       AS is_parent_missing,
                   NOT COALESCE(customer.active, TRUE)
                       OR NOT COALESCE(parent.active, TRUE)
                       OR NOT COALESCE(invoice_partner.active, TRUE) AS is_partner_archived,
                   customer.company_id AS customer_company_id,
                   customer.company_id IS NOT NULL AND customer.company_id != so.company_id
                       AS is_company_mismatch,
                   %(unaccounted_product)s AS product_without_account_id,
                   -- a company, or a customer with payment terms of its own, is not invoiced "due on receipt"
                   so.recurrence_payment_term_id IS NULL
                       AND (COALESCE(invoice_commercial.is_company, FALSE)
                            OR %(partner_payment_term)s IS NOT NULL)
                       AS is_payment_term_missing,
                   %(consumption_gap)s AS has_no_consumption,
                   NULLIF(btrim(so.recurrence_last_error), '') AS generation_error,
                   so.recurrence_last_error_date AS generation_error_date
              FROM sale_order so
              %(company)s
              JOIN res_partner customer ON customer.id = so.partner_id
              LEFT JOIN res_partner parent ON parent.id = customer.parent_id
              LEFT JOIN res_partner invoice_partner
                     ON invoice_partner.id = COALESCE(so.recurrence_invoice_partner_id, so.partner_invoice_id)
              LEFT JOIN res_partner invoice_commercial
                     ON invoice_commercial.id = invoice_partner.commercial_partner_id
              LEFT JOIN res_currency currency ON currency.id = so.currency_id
              %(invoices)s
              %(once)s
             WHERE so.recurrence_enabled AND so.state = 'sale'
          ) dashboard
         CROSS JOIN LATERAL (
             SELECT dashboard.duplicate_period_count > 0 AS has_duplicate_invoice,
                    NOT COALESCE(dashboard.is_last_invoice_prorated, FALSE)
                        AND COALESCE(abs(dashboard.last_invoice_amount - dashboard.amount_untaxed)
                                     >= dashboard.rounding / 2, FALSE) AS has_amount_discrepancy,
                    dashboard.is_parent_missing OR dashboard.is_partner_archived
                        OR dashboard.is_company_mismatch OR dashboard.product_without_account_id IS NOT NULL
                        OR dashboard.is_payment_term_missing AS has_inconsistency,
                    dashboard.generation_error IS NOT NULL AS has_generation_error
         ) flags
        """,
        months_per_period=months_per_period,
        next_document_date=next_document_date_sql(today),
        consumption_gap=consumption_gap_sql(today),
        unaccounted_product=_unaccounted_product_sql(),
        partner_payment_term=property_sql(
            SQL("invoice_commercial.property_payment_term_id"), SQL("company.payment_term")
        ),
        company=_company_join(defaults),
        today=today,
        last_invoice_prorated=_last_invoice_prorated_sql(),
        invoices=_invoice_join(today),
        once=_once_lines_join(),
        recurring_amount=RECURRING_AMOUNT,
    )
