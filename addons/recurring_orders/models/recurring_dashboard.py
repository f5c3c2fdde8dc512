"""The recurring invoicing dashboard: one row per confirmed recurring order, computed in SQL at read time.

The rows come from one SQL query (``_table_query``) evaluated by every search, count and grouped read, with
"today" passed as a parameter (the user's date): a problem fixed a minute ago disappears, a period that
became due appears, without any stored flag to refresh. See ``readme/DASHBOARD.md`` for the definitions.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date, formatLang

# (key, boolean field) of each problem, in the order of the tiles, filters and export sheets.
PROBLEMS = (
    ("missing", "has_missing_invoice"),
    ("duplicate", "has_duplicate_invoice"),
    ("amount", "has_amount_discrepancy"),
    ("email", "has_missing_email"),
    ("inconsistency", "has_inconsistency"),
    ("failed", "has_generation_error"),
)

# Months in one period of each frequency, to bring a recurring amount to a month (monthly recurring revenue).
MONTHS_PER_PERIOD = {
    "daily": 12 / 365.25,
    "weekly": 12 / (365.25 / 7),
    "monthly": 1,
    "quarterly": 3,
    "semiannual": 6,
    "annual": 12,
}


def period_start_sql(day, frequency):
    """SQL of the first day of the calendar period of ``day`` (as ``tools.periods.period_bounds``)."""
    return SQL(
        """(CASE %(frequency)s
            WHEN 'daily' THEN %(day)s
            WHEN 'weekly' THEN date_trunc('week', %(day)s::timestamp)::date
            WHEN 'monthly' THEN date_trunc('month', %(day)s::timestamp)::date
            WHEN 'quarterly' THEN date_trunc('quarter', %(day)s::timestamp)::date
            WHEN 'semiannual' THEN make_date(
                extract(year FROM %(day)s)::int, CASE WHEN extract(month FROM %(day)s) <= 6 THEN 1 ELSE 7 END, 1)
            ELSE date_trunc('year', %(day)s::timestamp)::date
        END)""",
        day=day,
        frequency=frequency,
    )


def period_length_sql(frequency):
    """SQL interval of one period (and of one step between generation dates) of the frequency."""
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


class RecurringDashboard(models.Model):
    _name = "recurring.dashboard"
    _description = "Recurring Invoicing Dashboard"
    _auto = False
    _rec_name = "name"
    _order = "problem_count desc, next_date, id"

    name = fields.Char(string="Order", readonly=True)
    order_id = fields.Many2one("sale.order", string="Sale Order", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    invoice_partner_id = fields.Many2one(
        "res.partner",
        string="Invoiced Partner",
        readonly=True,
        help="The partner the generated invoices are addressed to (the parent company when the order bills it).",
    )
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    company_id = fields.Many2one("res.company", string="Company", readonly=True)
    currency_id = fields.Many2one("res.currency", string="Currency", readonly=True)
    company_currency_id = fields.Many2one("res.currency", string="Company Currency", readonly=True)
    frequency = fields.Selection(selection="_selection_frequency", string="Frequency", readonly=True)
    invoice_state = fields.Selection(selection="_selection_invoice_state", string="Generated Invoices", readonly=True)
    date_preference = fields.Selection(selection="_selection_date_preference", string="Invoice Date", readonly=True)
    date_start = fields.Date(string="First Generation", readonly=True)
    date_end = fields.Date(string="Last Generation", readonly=True)
    amount_untaxed = fields.Monetary(string="Recurring Untaxed", readonly=True, currency_field="currency_id")
    amount_total = fields.Monetary(string="Recurring Total", readonly=True, currency_field="currency_id")
    monthly_recurring_revenue = fields.Monetary(
        string="Monthly Recurring Revenue",
        readonly=True,
        currency_field="company_currency_id",
        help="The recurring untaxed amount brought to one month (a quarterly amount divided by 3, a weekly one "
        "multiplied by 52.18 / 12...), in the company's currency.",
    )
    next_date = fields.Date(string="Next Generation", readonly=True)
    next_document_date = fields.Date(
        string="Next Invoice Date",
        readonly=True,
        help="The date the next invoice will get, after the order's invoice date preference.",
    )
    invoice_count = fields.Integer(string="Generated Invoices Count", readonly=True)
    current_period_invoice_count = fields.Integer(
        string="Invoices This Period",
        readonly=True,
        help="Invoices (not cancelled) already generated for the period containing today.",
    )
    last_invoice_id = fields.Many2one("account.move", string="Last Invoice", readonly=True)
    last_invoice_amount = fields.Monetary(
        string="Last Invoice Subscription",
        readonly=True,
        currency_field="currency_id",
        help="Untaxed amount of the last generated invoice without its consumption lines.",
    )

    missing_count = fields.Integer(
        string="Missing Invoices Count",
        readonly=True,
        help="Generation dates up to today whose period has no invoice.",
    )
    duplicate_period_count = fields.Integer(
        string="Duplicated Periods",
        readonly=True,
        help="Periods billed by more than one invoice that is not cancelled.",
    )
    has_missing_invoice = fields.Boolean(string="Missing Invoice", readonly=True)
    has_duplicate_invoice = fields.Boolean(string="Duplicate Invoice", readonly=True)
    has_amount_discrepancy = fields.Boolean(string="Amount Discrepancy", readonly=True)
    has_missing_email = fields.Boolean(string="Missing Email", readonly=True)
    has_inconsistency = fields.Boolean(string="Account or Organization Inconsistency", readonly=True)
    has_generation_error = fields.Boolean(string="Generation Failed", readonly=True)
    problem_count = fields.Integer(string="Problems", readonly=True)

    # The parts of an inconsistency, for the readable text and the export.
    is_parent_missing = fields.Boolean(string="Bills a Missing Parent Company", readonly=True)
    is_partner_archived = fields.Boolean(string="Customer or Parent Archived", readonly=True)
    customer_company_id = fields.Many2one("res.company", string="Customer's Company", readonly=True)
    is_company_mismatch = fields.Boolean(string="Company Differs from the Customer's", readonly=True)
    product_without_account_id = fields.Many2one(
        "product.product", string="Product Without Income Account", readonly=True
    )
    is_payment_term_missing = fields.Boolean(string="Payment Term Missing", readonly=True)
    generation_error = fields.Text(string="Generation Error", readonly=True)
    generation_error_date = fields.Datetime(string="Generation Error On", readonly=True)

    problems = fields.Text(string="Problem Details", compute="_compute_problems")

    _depends = {
        "sale.order": [
            "name",
            "state",
            "partner_id",
            "partner_invoice_id",
            "user_id",
            "company_id",
            "currency_id",
            "currency_rate",
            "amount_untaxed",
            "amount_total",
            "recurrence_enabled",
            "recurrence_frequency",
            "recurrence_date_start",
            "recurrence_date_end",
            "recurrence_next_date",
            "recurrence_date_preference",
            "recurrence_invoice_state",
            "recurrence_bill_parent",
            "recurrence_invoice_partner_id",
            "recurrence_payment_term_id",
            "recurrence_last_error",
            "recurrence_last_error_date",
        ],
        "sale.order.line": ["order_id", "product_id", "display_type", "is_downpayment", "invoice_lines"],
        "account.move": ["state", "move_type", "date", "invoice_date", "recurring_order_id", "recurring_period_start"],
        "account.move.line": ["move_id", "display_type", "price_subtotal"],
        "res.partner": ["active", "parent_id", "company_id", "email", "is_company", "property_payment_term_id"],
        "product.product": ["product_tmpl_id"],
        "product.template": ["categ_id", "property_account_income_id"],
        "product.category": ["property_account_income_categ_id"],
        "account.journal": ["type", "company_id", "default_account_id", "sequence", "active"],
        "res.company": ["income_account_id", "currency_id"],
    }

    # ------------------------------------------------------------------
    # Selections, shared with the sale order
    # ------------------------------------------------------------------

    def _order_field_selection(self, field_name):
        return self.env["sale.order"]._fields[field_name]._description_selection(self.env)

    def _selection_frequency(self):
        return self._order_field_selection("recurrence_frequency")

    def _selection_invoice_state(self):
        return self._order_field_selection("recurrence_invoice_state")

    def _selection_date_preference(self):
        return self._order_field_selection("recurrence_date_preference")

    # ------------------------------------------------------------------
    # The query
    # ------------------------------------------------------------------

    @property
    def _table_query(self):
        return self._dashboard_query(fields.Date.context_today(self))

    def _consumption_line_sql(self, line_alias):
        """SQL condition: the invoice line bills consumption (it has consumption records).

        Without the consumption billing link, every product line is part of the subscription.
        """
        field = self.env["account.move.line"]._fields.get("consumption_record_ids")
        if not field:
            return SQL("FALSE")
        records = self.env[field.comodel_name]
        return SQL(
            "EXISTS (SELECT 1 FROM %s consumption WHERE consumption.%s = %s.id)",
            SQL.identifier(records._table),
            SQL.identifier(field.inverse_name),
            SQL.identifier(line_alias),
        )

    def _ir_default_sql(self, model_name, field_name):
        """SQL of the company-wide default (``ir.default``) of a company-dependent field, as jsonb, for the
        company ``company.id`` of the enclosing query: the value a record without its own value gets."""
        field_id = self.env["ir.model.fields"]._get(model_name, field_name).id
        return SQL(
            """(SELECT d.json_value::jsonb FROM ir_default d
                 WHERE d.field_id = %s AND d.user_id IS NULL AND d.condition IS NULL
                   AND (d.company_id = company.id OR d.company_id IS NULL)
                 ORDER BY d.company_id NULLS LAST, d.id LIMIT 1)""",
            field_id,
        )

    @staticmethod
    def _property_sql(column, company_id, default):
        """SQL of a company-dependent many2one stored as jsonb: the company's value, else the default."""
        return SQL(
            "NULLIF(COALESCE(%s -> %s::text, %s) #>> '{}', 'false')",
            column,
            company_id,
            default,
        )

    def _dashboard_query(self, today):
        """The SQL of the dashboard's rows as of ``today``."""
        frequency = SQL("so.recurrence_frequency")
        length = period_length_sql(frequency)
        start = SQL("so.recurrence_date_start")
        return SQL(
            """
            WITH company_default AS (
                SELECT company.id AS company_id,
                       %(product_income_default)s AS product_income,
                       %(category_income_default)s AS category_income,
                       %(payment_term_default)s AS payment_term
                  FROM res_company company
            ),
            sale_journal AS (
                SELECT DISTINCT ON (journal.company_id) journal.company_id, journal.default_account_id
                  FROM account_journal journal
                 WHERE journal.type = 'sale' AND journal.active
                 ORDER BY journal.company_id, journal.sequence, journal.id
            ),
            schedule AS (
                SELECT so.id,
                       so.recurrence_frequency AS frequency,
                       due.due_until,
                       due.due_count,
                       %(first_period_start)s AS first_period_start,
                       CASE WHEN due.due_count > 0 THEN
                           %(last_due_period_start)s
                       END AS last_due_period_start,
                       %(today_period_start)s AS today_period_start
                  FROM sale_order so
                  CROSS JOIN LATERAL (
                      SELECT LEAST(%(today)s::date, COALESCE(so.recurrence_date_end, %(today)s::date)) AS due_until
                  ) bound
                  CROSS JOIN LATERAL (
                      SELECT CASE
                          WHEN so.recurrence_date_start IS NULL OR bound.due_until < so.recurrence_date_start THEN 0
                          WHEN so.recurrence_frequency IN ('daily', 'weekly') THEN
                              (bound.due_until - so.recurrence_date_start)
                              / (CASE so.recurrence_frequency WHEN 'daily' THEN 1 ELSE 7 END) + 1
                          ELSE months.step_count + 1 - CASE
                              WHEN (so.recurrence_date_start + months.step_count * %(length)s)::date > bound.due_until
                              THEN 1 ELSE 0 END
                      END AS due_count, bound.due_until
                        FROM (
                          SELECT (
                              (extract(year FROM bound.due_until) - extract(year FROM so.recurrence_date_start)) * 12
                              + extract(month FROM bound.due_until) - extract(month FROM so.recurrence_date_start)
                          )::int / (CASE so.recurrence_frequency
                              WHEN 'monthly' THEN 1 WHEN 'quarterly' THEN 3 WHEN 'semiannual' THEN 6 ELSE 12 END
                          ) AS step_count
                        ) months
                  ) due
                 WHERE so.recurrence_enabled AND so.state = 'sale'
            ),
            generated AS MATERIALIZED (
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
                       COUNT(DISTINCT generated.period_start) FILTER (
                           WHERE generated.period_start BETWEEN schedule.first_period_start
                                                            AND schedule.last_due_period_start
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
            ),
            hand_made AS (
                SELECT DISTINCT schedule.id AS order_id, move.id,
                       %(hand_made_period)s AS period_start
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
            ),
            unaccounted_product AS (
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
            ),
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
                       so.amount_untaxed / COALESCE(NULLIF(so.currency_rate, 0), 1) / (CASE so.recurrence_frequency
                           WHEN 'daily' THEN %(daily_months)s WHEN 'weekly' THEN %(weekly_months)s
                           WHEN 'monthly' THEN 1 WHEN 'quarterly' THEN 3 WHEN 'semiannual' THEN 6 ELSE 12 END
                       ) AS monthly_recurring_revenue,
                       so.recurrence_next_date AS next_date,
                       %(next_document_date)s AS next_document_date,
                       COALESCE(generated_count.invoice_count, 0) AS invoice_count,
                       COALESCE(generated_count.current_period_count, 0) AS current_period_invoice_count,
                       last_invoice.move_id AS last_invoice_id,
                       last_invoice_amount.subscription_amount AS last_invoice_amount,
                       schedule.due_count - COALESCE(generated_count.invoiced_due_count, 0) AS missing_count,
                       COALESCE(duplicate.period_count, 0) AS duplicate_period_count,
                       COALESCE(last_invoice.move_id IS NOT NULL
                           AND abs(last_invoice_amount.subscription_amount - so.amount_untaxed)
                               >= COALESCE(currency.rounding, 0.01) / 2, FALSE) AS has_amount_discrepancy,
                       COALESCE(so.recurrence_invoice_state = 'sent', FALSE)
                           AND COALESCE(btrim(invoice_partner.email), '') = '' AS has_missing_email,
                       COALESCE(so.recurrence_bill_parent, FALSE) AND customer.parent_id IS NULL
                           AS is_parent_missing,
                       NOT COALESCE(customer.active, TRUE) OR NOT COALESCE(parent.active, TRUE)
                           OR NOT COALESCE(invoice_partner.active, TRUE) AS is_partner_archived,
                       customer.company_id AS customer_company_id,
                       customer.company_id IS NOT NULL
                           AND customer.company_id != so.company_id AS is_company_mismatch,
                       unaccounted_product.product_id AS product_without_account_id,
                       so.recurrence_payment_term_id IS NULL AND (
                           COALESCE(invoice_commercial.is_company, FALSE) OR %(partner_payment_term)s IS NOT NULL
                       ) AS is_payment_term_missing,
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
                        dashboard.is_parent_missing OR dashboard.is_partner_archived OR dashboard.is_company_mismatch
                            OR dashboard.product_without_account_id IS NOT NULL
                            OR dashboard.is_payment_term_missing AS has_inconsistency,
                        dashboard.generation_error IS NOT NULL AS has_generation_error
             ) flags
            """,
            today=today,
            length=length,
            product_income_default=self._ir_default_sql("product.template", "property_account_income_id"),
            category_income_default=self._ir_default_sql("product.category", "property_account_income_categ_id"),
            payment_term_default=self._ir_default_sql("res.partner", "property_payment_term_id"),
            first_period_start=period_start_sql(start, frequency),
            last_due_period_start=period_start_sql(
                SQL("(%s + (due.due_count - 1) * %s)::date", start, length), frequency
            ),
            today_period_start=period_start_sql(SQL("%s::date", today), frequency),
            aligned_period=period_start_sql(SQL("generated.period_start"), SQL("schedule.frequency")),
            consumption_line=self._consumption_line_sql("line"),
            hand_made_period=period_start_sql(SQL("COALESCE(move.invoice_date, move.date)"), SQL("schedule.frequency")),
            product_income=self._property_sql(
                SQL("template.property_account_income_id"), SQL("company.id"), SQL("company_default.product_income")
            ),
            category_income=self._property_sql(
                SQL("category.property_account_income_categ_id"),
                SQL("company.id"),
                SQL("company_default.category_income"),
            ),
            partner_payment_term=self._property_sql(
                SQL("invoice_commercial.property_payment_term_id"),
                SQL("company.id"),
                SQL("company_default.payment_term"),
            ),
            daily_months=MONTHS_PER_PERIOD["daily"],
            weekly_months=MONTHS_PER_PERIOD["weekly"],
            next_document_date=self._next_document_date_sql(today),
        )

    @staticmethod
    def _next_document_date_sql(today):
        """SQL of the next invoice's date, after the preference (as ``tools.periods.document_date``; a
        late generation is dated the day it runs, never before)."""
        next_date = SQL("so.recurrence_next_date")
        frequency = SQL("so.recurrence_frequency")
        first = period_start_sql(next_date, frequency)
        length = period_length_sql(frequency)
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
            first=first,
            length=length,
        )

    # ------------------------------------------------------------------
    # Readable problems
    # ------------------------------------------------------------------

    @api.depends_context("lang")
    def _compute_problems(self):
        for row in self:
            descriptions = self._describe_problems(row._problem_values())
            row.problems = "\n".join(text for _key, text in descriptions) or False

    # Names in the problem values: the record path uses display names, the Excel export reads them in SQL.
    _PROBLEM_NAME_FIELDS = (
        "last_invoice_id",
        "invoice_partner_id",
        "company_id",
        "customer_company_id",
        "product_without_account_id",
    )

    def _problem_values(self):
        """The values ``_describe_problems`` reads, from this row."""
        self.ensure_one()
        values = {
            name: self[name]
            for name, field in self._fields.items()
            if field.store and field.type not in ("many2one", "one2many", "many2many")
        }
        values.update({name: self[name].display_name or "" for name in self._PROBLEM_NAME_FIELDS})
        values["currency"] = self.currency_id
        return values

    @api.model
    def _describe_problems(self, values):
        """``[(problem key, sentence)]`` for the problems of one row, in the user's language.

        ``values`` maps the row's field names to their values, many2one fields of ``_PROBLEM_NAME_FIELDS``
        to display names, and ``currency`` to the order's currency record.
        """
        _ = self.env._
        currency = values["currency"]
        descriptions = []
        if values["has_missing_invoice"]:
            oldest = values["next_date"]
            descriptions.append((
                "missing",
                _(
                    "Missing invoices: %(count)s due period(s) without invoice, the oldest on %(date)s.",
                    count=values["missing_count"],
                    date=format_date(self.env, oldest) if oldest else "?",
                ),
            ))
        if values["has_duplicate_invoice"]:
            descriptions.append((
                "duplicate",
                _("Duplicate invoices: %(count)s period(s) billed more than once.",
                  count=values["duplicate_period_count"]),
            ))
        if values["has_amount_discrepancy"]:
            descriptions.append((
                "amount",
                _(
                    "Amount discrepancy: the last invoice %(invoice)s bills %(billed)s for the subscription, "
                    "the order %(amount)s.",
                    invoice=values["last_invoice_id"],
                    billed=formatLang(self.env, values["last_invoice_amount"], currency_obj=currency),
                    amount=formatLang(self.env, values["amount_untaxed"], currency_obj=currency),
                ),
            ))
        if values["has_missing_email"]:
            descriptions.append((
                "email",
                _(
                    "Missing email: invoices are sent by email but %(partner)s has no email address.",
                    partner=values["invoice_partner_id"],
                ),
            ))
        if values["has_inconsistency"]:
            descriptions.append((
                "inconsistency",
                _("Inconsistency: %(details)s.", details="; ".join(self._describe_inconsistencies(values))),
            ))
        if values["has_generation_error"]:
            descriptions.append(("failed", _("Generation failed: %(error)s", error=values["generation_error"])))
        return descriptions

    @api.model
    def _describe_inconsistencies(self, values):
        _ = self.env._
        details = []
        if values["is_parent_missing"]:
            details.append(_("bills the parent company but the customer has no parent company"))
        if values["is_partner_archived"]:
            details.append(_("the customer, its parent company or the invoiced partner is archived"))
        if values["is_company_mismatch"]:
            details.append(
                _(
                    "the order's company %(company)s differs from the customer's company %(customer_company)s",
                    company=values["company_id"],
                    customer_company=values["customer_company_id"],
                )
            )
        if values["product_without_account_id"]:
            details.append(
                _(
                    "no income account for %(product)s (product, category, company and sales journal)",
                    product=values["product_without_account_id"],
                )
            )
        if values["is_payment_term_missing"]:
            details.append(_("no payment term although the invoiced partner needs one"))
        return details

    # ------------------------------------------------------------------
    # Counts for the tiles
    # ------------------------------------------------------------------

    @api.model
    def get_problem_counts(self, domain=None):
        """The number of rows and of rows with each problem among those matching ``domain`` (one query)."""
        query = self._search(domain or [])
        counts = self.env.execute_query(
            query.select(
                SQL("COUNT(*)"),
                SQL("COUNT(*) FILTER (WHERE %s > 0)", SQL.identifier(self._table, "problem_count")),
                *(
                    SQL("COUNT(*) FILTER (WHERE %s)", SQL.identifier(self._table, field_name))
                    for _key, field_name in PROBLEMS
                ),
            )
        )[0]
        total, with_problems, *problem_counts = counts
        return {
            "total": total,
            "with_problems": with_problems,
            "problems": [
                {
                    "key": key,
                    "field": field_name,
                    "filter": f"filter_{key}",
                    "label": self._fields[field_name].get_description(self.env)["string"],
                    "count": count,
                }
                for (key, field_name), count in zip(PROBLEMS, problem_counts, strict=True)
            ],
        }

    # ------------------------------------------------------------------
    # Row actions
    # ------------------------------------------------------------------

    def action_open_order(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": self.order_id.id,
            "views": [(False, "form")],
        }

    def action_open_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        action.update(
            domain=[("recurring_order_id", "=", self.order_id.id)],
            context={"default_move_type": "out_invoice", "create": False},
            name=self.env._("Invoices of %(order)s", order=self.name),
        )
        return action

    def action_generate_missing(self):
        """Generate the due invoices of these orders now, as the cron would, and say what happened."""
        orders = self.order_id
        if not orders:
            raise UserError(self.env._("Select the orders whose missing invoices to generate."))
        invoices, failures = orders._generate_recurring_invoices()
        if failures:
            message = "\n".join(
                self.env._("%(order)s: %(error)s", order=order.name, error=error) for order, error in failures.items()
            )
            notification_type = "danger"
        elif invoices:
            message = self.env._("%(count)s invoice(s) generated.", count=len(invoices))
            notification_type = "success"
        else:
            message = self.env._("Nothing to generate: every due period has its invoice.")
            notification_type = "info"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Missing invoices"),
                "message": message,
                "type": notification_type,
                "sticky": bool(failures),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def action_export_xlsx(self, domain=None):
        """Download the Excel report of the rows matching ``domain`` (the dashboard's current search)."""
        self.check_access("read")
        return {
            "type": "ir.actions.act_url",
            "url": self.env["recurring.dashboard.xlsx"]._download_url(domain or []),
            "target": "download",
        }

    def action_export_selected_xlsx(self):
        """Server action: the Excel report of the selected rows."""
        return self.action_export_xlsx([("id", "in", self.ids)])
