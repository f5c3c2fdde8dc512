"""The SQL of the recurring invoicing dashboard, one common table expression per question.

Pure SQL builders (no ORM): ``recurring.dashboard`` gives them what depends on the database (the
company-wide defaults of company-dependent fields, how consumption lines are recognized) and "today".

The date arithmetic is the SQL translation of ``tools.periods``: generation date k is
``start + k x step`` computed from the start (PostgreSQL's ``date + interval 'n months'`` clamps month ends
like ``relativedelta``), the period of a date is its calendar day, ISO week, month, quarter, half-year or
year, and a step is as long as a period, so each period holds at most one generation date.
"""

from odoo.tools import SQL

# Months in one period of each frequency: a recurring amount divided by it is a monthly amount.
MONTHS_PER_PERIOD = {
    "daily": 12 / 365.25,
    "weekly": 12 / (365.25 / 7),
    "monthly": 1,
    "quarterly": 3,
    "semiannual": 6,
    "annual": 12,
}


def period_start_sql(day, frequency):
    """SQL of the first day of the calendar period containing ``day``."""
    return SQL(
        """(CASE %(frequency)s
            WHEN 'daily' THEN %(day)s
            WHEN 'weekly' THEN date_trunc('week', %(day)s::timestamp)::date
            WHEN 'monthly' THEN date_trunc('month', %(day)s::timestamp)::date
            WHEN 'quarterly' THEN date_trunc('quarter', %(day)s::timestamp)::date
            WHEN 'semiannual' THEN make_date(
                extract(year FROM %(day)s)::int,
                CASE WHEN extract(month FROM %(day)s) <= 6 THEN 1 ELSE 7 END,
                1)
            ELSE date_trunc('year', %(day)s::timestamp)::date
        END)""",
        day=day,
        frequency=frequency,
    )


def period_length_sql(frequency):
    """SQL interval of one period, which is also the step between two generation dates."""
    return SQL(
        """(CASE %(frequency)s
            WHEN 'daily' THEN interval '1 day'
            WHEN 'weekly' THEN interval '7 days'
            WHEN 'monthly' THEN interval '1 month'
            WHEN 'quarterly' THEN interval '3 months'
            WHEN 'semiannual' THEN interval '6 months'
            ELSE interval '12 months'
        END)""",
        frequency=frequency,
    )


def months_between_sql(first, last):
    """SQL of the number of calendar months from the month of ``first`` to the month of ``last``."""
    return SQL(
        "((extract(year FROM %(last)s) - extract(year FROM %(first)s)) * 12"
        " + extract(month FROM %(last)s) - extract(month FROM %(first)s))::int",
        first=first,
        last=last,
    )


def _schedule_cte(today):
    """``schedule``: each confirmed recurring order with its due generation dates up to today (their
    count, the periods of the first and of the last one) and the period containing today."""
    start = SQL("so.recurrence_date_start")
    frequency = SQL("so.recurrence_frequency")
    step = period_length_sql(frequency)
    month_steps = SQL(
        "(%s / (CASE %s WHEN 'monthly' THEN 1 WHEN 'quarterly' THEN 3 WHEN 'semiannual' THEN 6 ELSE 12 END))",
        months_between_sql(start, SQL("bound.due_until")),
        frequency,
    )
    return SQL(
        """schedule AS (
            SELECT so.id,
                   so.recurrence_frequency AS frequency,
                   due.due_count,
                   %(first_period_start)s AS first_period_start,
                   CASE WHEN due.due_count > 0 THEN %(last_due_period_start)s END AS last_due_period_start,
                   %(today_period_start)s AS today_period_start
              FROM sale_order so
             CROSS JOIN LATERAL (
                 SELECT LEAST(%(today)s::date, COALESCE(so.recurrence_date_end, %(today)s::date)) AS due_until
             ) bound
             CROSS JOIN LATERAL (
                 SELECT CASE
                     WHEN so.recurrence_date_start IS NULL THEN 0
                     WHEN bound.due_until < so.recurrence_date_start THEN 0
                     WHEN so.recurrence_frequency IN ('daily', 'weekly') THEN
                         (bound.due_until - so.recurrence_date_start)
                             / (CASE so.recurrence_frequency WHEN 'daily' THEN 1 ELSE 7 END) + 1
                     -- the last step of the due month may still be ahead (start on the 20th, today the 10th)
                     WHEN (so.recurrence_date_start + %(month_steps)s * %(step)s)::date > bound.due_until
                         THEN %(month_steps)s
                     ELSE %(month_steps)s + 1
                 END AS due_count
             ) due
             WHERE so.recurrence_enabled AND so.state = 'sale'
        )""",
        today=today,
        step=step,
        month_steps=month_steps,
        first_period_start=period_start_sql(start, frequency),
        last_due_period_start=period_start_sql(
            SQL("(%s + (due.due_count - 1) * %s)::date", start, step), frequency
        ),
        today_period_start=period_start_sql(SQL("%s::date", today), frequency),
    )


def _invoice_ctes(consumption_line):
    """The generated invoices (``generated``: not cancelled), their counts per order (``generated_count``),
    each order's last one (``last_invoice``) and its subscription part (``last_invoice_amount``)."""
    return SQL(
        """generated AS MATERIALIZED (
            SELECT move.id, move.recurring_order_id AS order_id, move.recurring_period_start AS period_start
              FROM account_move move
              JOIN schedule ON schedule.id = move.recurring_order_id
             WHERE move.state != 'cancel' AND move.move_type = 'out_invoice'
        ),
        generated_count AS (
            SELECT generated.order_id,
                   COUNT(*) AS invoice_count,
                   COUNT(*) FILTER (WHERE generated.period_start = schedule.today_period_start)
                       AS current_period_count,
                   -- periods of due generation dates that have an invoice (of the current frequency)
                   COUNT(DISTINCT generated.period_start) FILTER (
                       WHERE generated.period_start
                             BETWEEN schedule.first_period_start AND schedule.last_due_period_start
                         AND %(aligned_period)s = generated.period_start
                   ) AS invoiced_due_count
              FROM generated
              JOIN schedule ON schedule.id = generated.order_id
             GROUP BY generated.order_id
        ),
        last_invoice AS (
            SELECT DISTINCT ON (generated.order_id) generated.order_id, generated.id AS move_id
              FROM generated
             ORDER BY generated.order_id, generated.period_start DESC NULLS LAST, generated.id DESC
        ),
        last_invoice_amount AS (
            SELECT last_invoice.order_id,
                   COALESCE(SUM(line.price_subtotal) FILTER (
                       WHERE line.display_type = 'product' AND NOT %(consumption_line)s
                   ), 0) AS subscription_amount
              FROM last_invoice
              LEFT JOIN account_move_line line ON line.move_id = last_invoice.move_id
             GROUP BY last_invoice.order_id
        )""",
        aligned_period=period_start_sql(SQL("generated.period_start"), SQL("schedule.frequency")),
        consumption_line=consumption_line,
    )


def _duplicate_ctes():
    """``duplicate``: per order, the periods billed by more than one invoice that is not cancelled: the
    generated ones (by billed period) and those made by hand from the order's lines (by the period of their
    date, ``hand_made``)."""
    return SQL(
        """hand_made AS (
            SELECT DISTINCT schedule.id AS order_id, move.id, %(hand_made_period)s AS period_start
              FROM account_move move
              JOIN account_move_line line ON line.move_id = move.id
              JOIN sale_order_line_invoice_rel rel ON rel.invoice_line_id = line.id
              JOIN sale_order_line order_line ON order_line.id = rel.order_line_id
              JOIN schedule ON schedule.id = order_line.order_id
             WHERE move.recurring_order_id IS NULL AND move.state != 'cancel'
               AND move.move_type = 'out_invoice'
        ),
        duplicate AS (
            SELECT billed.order_id, COUNT(*) AS period_count
              FROM (
                  SELECT invoice.order_id
                    FROM (SELECT order_id, period_start FROM generated WHERE period_start IS NOT NULL
                          UNION ALL
                          SELECT order_id, period_start FROM hand_made) invoice
                   GROUP BY invoice.order_id, invoice.period_start
                  HAVING COUNT(*) > 1
              ) billed
             GROUP BY billed.order_id
        )""",
        hand_made_period=period_start_sql(
            SQL("COALESCE(move.invoice_date, move.date)"), SQL("schedule.frequency")
        ),
    )


def _company_ctes(defaults):
    """``company_default``: per company, the company-wide defaults (``ir.default``) of the company-dependent
    fields read below; ``sale_journal``: each company's first sales journal, whose default account is the
    last resort of an invoice line's account."""
    return SQL(
        """company_default AS (
            SELECT company.id AS company_id,
                   %(product_income)s AS product_income,
                   %(category_income)s AS category_income,
                   %(payment_term)s AS payment_term
              FROM res_company company
        ),
        sale_journal AS (
            SELECT DISTINCT ON (journal.company_id) journal.company_id, journal.default_account_id
              FROM account_journal journal
             WHERE journal.type = 'sale' AND journal.active
             ORDER BY journal.company_id, journal.sequence, journal.id
        )""",
        **defaults,
    )


def property_sql(column, default):
    """SQL of a company-dependent many2one (jsonb by company) for ``company.id``, else its default."""
    return SQL("NULLIF(COALESCE(%s -> company.id::text, %s) #>> '{}', 'false')", column, default)


def _unaccounted_product_cte():
    """``unaccounted_product``: per order, its first product for which no income account is found where
    Odoo looks for one (product, category, company default, sales journal's default account)."""
    return SQL(
        """unaccounted_product AS (
            SELECT DISTINCT ON (order_line.order_id) order_line.order_id, order_line.product_id
              FROM sale_order_line order_line
              JOIN schedule ON schedule.id = order_line.order_id
              JOIN sale_order so ON so.id = order_line.order_id
              JOIN res_company company ON company.id = so.company_id
              JOIN company_default ON company_default.company_id = company.id
              LEFT JOIN sale_journal ON sale_journal.company_id = company.id
              JOIN product_product product ON product.id = order_line.product_id
              JOIN product_template template ON template.id = product.product_tmpl_id
              LEFT JOIN product_category category ON category.id = template.categ_id
             WHERE order_line.display_type IS NULL AND NOT COALESCE(order_line.is_downpayment, FALSE)
               AND %(product_income)s IS NULL
               AND (category.id IS NULL OR %(category_income)s IS NULL)
               AND company.income_account_id IS NULL
               AND sale_journal.default_account_id IS NULL
             ORDER BY order_line.order_id, order_line.sequence, order_line.id
        )""",
        product_income=property_sql(
            SQL("template.property_account_income_id"), SQL("company_default.product_income")
        ),
        category_income=property_sql(
            SQL("category.property_account_income_categ_id"), SQL("company_default.category_income")
        ),
    )


def next_document_date_sql(today):
    """SQL of the next invoice's date after the order's preference (``tools.periods.document_date``; a
    generation that runs late is dated the day it runs)."""
    next_date = SQL("so.recurrence_next_date")
    frequency = SQL("so.recurrence_frequency")
    return SQL(
        """(CASE so.recurrence_date_preference
            WHEN 'generation' THEN GREATEST(%(next_date)s, %(today)s::date)
            WHEN 'previous_period_end' THEN %(first)s - 1
            WHEN 'period_start' THEN %(first)s
            WHEN 'period_end' THEN (%(first)s + %(length)s)::date - 1
            WHEN 'next_period_start' THEN (%(first)s + %(length)s)::date
            ELSE (%(first)s + 2 * %(length)s)::date - 1
        END)""",
        next_date=next_date,
        today=today,
        first=period_start_sql(next_date, frequency),
        length=period_length_sql(frequency),
    )


def dashboard_query(today, consumption_line, defaults):
    """SQL of the dashboard's rows as of ``today``.

    :param consumption_line: SQL condition on ``line`` (an ``account_move_line``): it bills consumption
    :param defaults: SQL of the company-wide defaults of ``product_income``, ``category_income`` and
        ``payment_term`` for ``company.id``
    """
    months_per_period = SQL(
        """(CASE so.recurrence_frequency WHEN 'daily' THEN %s WHEN 'weekly' THEN %s WHEN 'monthly' THEN 1
            WHEN 'quarterly' THEN 3 WHEN 'semiannual' THEN 6 ELSE 12 END)""",
        MONTHS_PER_PERIOD["daily"],
        MONTHS_PER_PERIOD["weekly"],
    )
    return SQL(
        """
        WITH %(schedule)s, %(invoices)s, %(duplicates)s, %(companies)s, %(unaccounted_product)s,
        dashboard AS (
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
                   so.amount_untaxed,
                   so.amount_total,
                   so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1) / %(months_per_period)s
                       AS monthly_recurring_revenue,
                   so.recurrence_next_date AS next_date,
                   %(next_document_date)s AS next_document_date,
                   COALESCE(generated_count.invoice_count, 0) AS invoice_count,
                   COALESCE(generated_count.current_period_count, 0) AS current_period_invoice_count,
                   last_invoice.move_id AS last_invoice_id,
                   last_invoice_amount.subscription_amount AS last_invoice_amount,
                   schedule.due_count - COALESCE(generated_count.invoiced_due_count, 0) AS missing_count,
                   COALESCE(duplicate.period_count, 0) AS duplicate_period_count,
                   COALESCE(
                       last_invoice.move_id IS NOT NULL
                       AND abs(last_invoice_amount.subscription_amount - so.amount_untaxed)
                           >= COALESCE(currency.rounding, 0.01) / 2,
                       FALSE
                   ) AS has_amount_discrepancy,
                   COALESCE(so.recurrence_invoice_state = 'sent', FALSE)
                       AND COALESCE(btrim(invoice_partner.email), '') = '' AS has_missing_email,
                   COALESCE(so.recurrence_bill_parent, FALSE) AND customer.parent_id IS NULL
                       AS is_parent_missing,
                   NOT COALESCE(customer.active, TRUE)
                       OR NOT COALESCE(parent.active, TRUE)
                       OR NOT COALESCE(invoice_partner.active, TRUE) AS is_partner_archived,
                   customer.company_id AS customer_company_id,
                   customer.company_id IS NOT NULL AND customer.company_id != so.company_id
                       AS is_company_mismatch,
                   unaccounted_product.product_id AS product_without_account_id,
                   -- a company, or a customer with payment terms of its own, is not invoiced "due on receipt"
                   so.recurrence_payment_term_id IS NULL
                       AND (COALESCE(invoice_commercial.is_company, FALSE)
                            OR %(partner_payment_term)s IS NOT NULL)
                       AS is_payment_term_missing,
                   NULLIF(btrim(so.recurrence_last_error), '') AS generation_error,
                   so.recurrence_last_error_date AS generation_error_date
              FROM schedule
              JOIN sale_order so ON so.id = schedule.id
              JOIN res_company company ON company.id = so.company_id
              JOIN company_default ON company_default.company_id = company.id
              JOIN res_partner customer ON customer.id = so.partner_id
              LEFT JOIN res_partner parent ON parent.id = customer.parent_id
              LEFT JOIN res_partner invoice_partner
                     ON invoice_partner.id = COALESCE(so.recurrence_invoice_partner_id, so.partner_invoice_id)
              LEFT JOIN res_partner invoice_commercial
                     ON invoice_commercial.id = invoice_partner.commercial_partner_id
              LEFT JOIN res_currency currency ON currency.id = so.currency_id
              LEFT JOIN generated_count ON generated_count.order_id = so.id
              LEFT JOIN last_invoice ON last_invoice.order_id = so.id
              LEFT JOIN last_invoice_amount ON last_invoice_amount.order_id = so.id
              LEFT JOIN duplicate ON duplicate.order_id = so.id
              LEFT JOIN unaccounted_product ON unaccounted_product.order_id = so.id
        )
        SELECT dashboard.*,
               flags.*,
               flags.has_missing_invoice::int + flags.has_duplicate_invoice::int
                   + dashboard.has_amount_discrepancy::int + dashboard.has_missing_email::int
                   + flags.has_inconsistency::int + flags.has_generation_error::int AS problem_count
          FROM dashboard
         CROSS JOIN LATERAL (
             SELECT dashboard.missing_count > 0 AS has_missing_invoice,
                    dashboard.duplicate_period_count > 0 AS has_duplicate_invoice,
                    dashboard.is_parent_missing OR dashboard.is_partner_archived
                        OR dashboard.is_company_mismatch OR dashboard.product_without_account_id IS NOT NULL
                        OR dashboard.is_payment_term_missing AS has_inconsistency,
                    dashboard.generation_error IS NOT NULL AS has_generation_error
         ) flags
        """,
        schedule=_schedule_cte(today),
        invoices=_invoice_ctes(consumption_line),
        duplicates=_duplicate_ctes(),
        companies=_company_ctes(defaults),
        unaccounted_product=_unaccounted_product_cte(),
        months_per_period=months_per_period,
        next_document_date=next_document_date_sql(today),
        partner_payment_term=property_sql(
            SQL("invoice_commercial.property_payment_term_id"), SQL("company_default.payment_term")
        ),
    )
