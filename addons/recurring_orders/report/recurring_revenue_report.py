"""Recurring revenue per month, from the generated invoices (SQL, read time)."""

from odoo import fields, models
from odoo.tools import SQL

from ..tools.dashboard_query import months_between_sql

# A billed period longer than this is spread over this many months at most (the longest frequency is a year).
MAX_SPREAD_MONTHS = 12


class RecurringRevenueReport(models.Model):
    """One row per generated invoice and month of its billed period.

    ``monthly_amount`` spreads the subscription part of an invoice (its lines without consumption, in the
    company's currency) evenly over the months of the billed period: a quarterly invoice of 300 gives 100 in
    each of its three months, so the sum per month is the monthly recurring revenue actually invoiced. Daily
    and weekly invoices count in the month their period starts. ``invoiced_amount`` and
    ``consumption_amount`` count the whole invoice once, in the first month of its period.
    """

    _name = "recurring.revenue.report"
    _inherit = ["recurring.order.report"]
    _description = "Recurring Revenue per Month"
    _auto = False
    _rec_name = "month"
    _order = "month desc, id"

    month = fields.Date(readonly=True)
    invoice_id = fields.Many2one("account.move", readonly=True)
    order_id = fields.Many2one("sale.order", string="Recurring Order", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    company_currency_id = fields.Many2one("res.currency", string="Currency", readonly=True)
    frequency = fields.Selection(selection="_selection_frequency", readonly=True)
    invoice_state = fields.Selection(
        [("draft", "Draft"), ("posted", "Posted")], string="Invoice Status", readonly=True
    )
    period_start = fields.Date(string="Billed Period Start", readonly=True)
    monthly_amount = fields.Monetary(
        string="Monthly Recurring Revenue", readonly=True, currency_field="company_currency_id"
    )
    invoiced_amount = fields.Monetary(
        string="Invoiced Subscription", readonly=True, currency_field="company_currency_id"
    )
    consumption_amount = fields.Monetary(
        string="Invoiced Consumption", readonly=True, currency_field="company_currency_id"
    )

    _depends = {
        "account.move": [
            "amount_untaxed_signed",
            "state",
            "move_type",
            "company_id",
            "recurring_order_id",
            "recurring_period_start",
            "recurring_period_end",
        ],
        "account.move.line": ["move_id", "display_type", "balance"],
        "consumption.record": ["invoice_line_id"],
        "sale.order": ["partner_id", "user_id", "recurrence_frequency"],
    }

    @property
    def _table_query(self):
        self.env["recurring.dashboard"]._tune_planner()
        return self._revenue_query()

    def _revenue_query(self):
        """The invoice's untaxed amount (company currency) minus its consumption lines is its subscription
        part: only consumption lines are read, grouped once per invoice.

        ``OFFSET 0`` computes each invoice's number of months once: without it PostgreSQL copies the date
        arithmetic into the join with every month index (4.0 -> 2.3 s over 1,200,000 invoices).
        """
        return SQL(
            """
            SELECT move.id * %(max_months)s + span.month_index AS id,
                   (date_trunc('month', move.recurring_period_start::timestamp)
                       + span.month_index * interval '1 month')::date AS month,
                   move.id AS invoice_id,
                   move.recurring_order_id AS order_id,
                   so.partner_id,
                   so.user_id,
                   move.company_id,
                   company.currency_id AS company_currency_id,
                   so.recurrence_frequency AS frequency,
                   move.state AS invoice_state,
                   move.recurring_period_start AS period_start,
                   amounts.subscription / spread.month_count AS monthly_amount,
                   CASE WHEN span.month_index = 0 THEN amounts.subscription ELSE 0 END AS invoiced_amount,
                   CASE WHEN span.month_index = 0 THEN amounts.consumption ELSE 0 END AS consumption_amount
              FROM account_move move
              JOIN sale_order so ON so.id = move.recurring_order_id
              JOIN res_company company ON company.id = move.company_id
              LEFT JOIN (
                  SELECT line.move_id, SUM(-line.balance) AS amount
                    FROM account_move_line line
                   WHERE line.id IN %(consumption_lines)s AND line.display_type = 'product'
                   GROUP BY line.move_id
              ) consumption ON consumption.move_id = move.id
              CROSS JOIN LATERAL (
                  SELECT move.amount_untaxed_signed - COALESCE(consumption.amount, 0) AS subscription,
                         COALESCE(consumption.amount, 0) AS consumption
              ) amounts
              CROSS JOIN LATERAL (
                  SELECT COALESCE(move.recurring_period_end, move.recurring_period_start) + 1 AS after_period
              ) bound
              CROSS JOIN LATERAL (
                  SELECT GREATEST(1, LEAST(%(max_months)s, %(months)s)) AS month_count
                  OFFSET 0
              ) spread
              JOIN (VALUES %(month_indexes)s) AS span(month_index) ON span.month_index < spread.month_count
             WHERE move.recurring_order_id IS NOT NULL
               AND move.recurring_period_start IS NOT NULL
               AND move.state != 'cancel'
               AND move.move_type = 'out_invoice'
            """,
            max_months=MAX_SPREAD_MONTHS,
            # a constant list rather than generate_series(): it is joined to every invoice
            month_indexes=SQL(", ").join(SQL("(%s)", index) for index in range(MAX_SPREAD_MONTHS)),
            months=months_between_sql(SQL("move.recurring_period_start"), SQL("bound.after_period")),
            consumption_lines=self.env["recurring.dashboard"]._consumption_lines_sql(),
        )
