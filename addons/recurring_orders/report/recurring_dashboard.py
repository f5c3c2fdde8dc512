"""The recurring invoicing dashboard: one row per confirmed recurring order, computed in SQL at read time.

The rows come from one SQL query (``_table_query``) evaluated by every search, count and grouped read, with
"today" passed as a parameter (the user's date): a problem fixed a minute ago disappears, a period that
became due appears, without any flag refreshed by a job: what the problems need of the invoices is kept on the
order by the transaction that changes an invoice (``sale.order._compute_recurrence_invoicing_progress`` and
the computes beside it). See ``readme/DASHBOARD.md`` for the definitions.
"""

from odoo import api, fields, models
from odoo.tools import SQL, format_date, formatLang

from ..tools.dashboard_query import dashboard_query

# (key, boolean field) of each problem, in the order of the tiles, filters and export sheets.
PROBLEMS = (
    ("missing", "has_missing_invoice"),
    ("duplicate", "has_duplicate_invoice"),
    ("amount", "has_amount_discrepancy"),
    ("email", "has_missing_email"),
    ("inconsistency", "has_inconsistency"),
    ("failed", "has_generation_error"),
    ("consumption", "has_no_consumption"),
)
# Planner settings of a transaction that reads every recurring order (see ``_tune_planner``).
PLANNER_SETTINGS = "SET LOCAL jit = off; SET LOCAL parallel_tuple_cost = 0.01"


class RecurringDashboard(models.Model):
    _name = "recurring.dashboard"
    _inherit = ["recurring.order.report"]
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
        help="The partner the generated invoices are addressed to: the parent company when the order bills "
        "it.",
    )
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    company_currency_id = fields.Many2one("res.currency", readonly=True)
    frequency = fields.Selection(selection="_selection_frequency", readonly=True)
    invoice_state = fields.Selection(
        selection="_selection_invoice_state", string="Generated Invoices", readonly=True
    )
    date_preference = fields.Selection(
        selection="_selection_date_preference", string="Invoice Date", readonly=True
    )
    date_start = fields.Date(string="First Generation", readonly=True)
    date_end = fields.Date(string="Last Generation", readonly=True)
    amount_untaxed = fields.Monetary(string="Recurring Untaxed", readonly=True, currency_field="currency_id")
    amount_total = fields.Monetary(string="Recurring Total", readonly=True, currency_field="currency_id")
    monthly_recurring_revenue = fields.Monetary(
        readonly=True,
        currency_field="company_currency_id",
        help="The recurring untaxed amount brought to one month (a quarterly amount divided by 3, a weekly "
        "one multiplied by 52.18 / 12...), in the company's currency.",
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
    last_invoice_id = fields.Many2one("account.move", readonly=True)
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
    has_no_consumption = fields.Boolean(
        string="No Consumption This Period",
        readonly=True,
        help="The order adds consumption; its customer had consumption in each of the three previous periods "
        "and has none in the current one: check the consumption sources before invoicing.",
    )
    problem_count = fields.Integer(string="Problems", readonly=True)

    # The parts of an inconsistency, for the readable text and the export.
    is_parent_missing = fields.Boolean(string="Bills a Missing Parent Company", readonly=True)
    is_partner_archived = fields.Boolean(string="Customer or Parent Archived", readonly=True)
    customer_company_id = fields.Many2one("res.company", string="Customer's Company", readonly=True)
    is_company_mismatch = fields.Boolean(string="Company Differs from the Customer's", readonly=True)
    product_without_account_id = fields.Many2one(
        "product.product", string="Product Without Active Income Account", readonly=True
    )
    is_payment_term_missing = fields.Boolean(string="Payment Term Missing", readonly=True)
    generation_error = fields.Text(readonly=True)
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
            "recurrence_last_invoice_id",
            "recurrence_last_subscription_amount",
            "recurrence_duplicate_period_count",
            "recurrence_date_preference",
            "recurrence_invoice_state",
            "recurrence_bill_parent",
            "recurrence_invoice_partner_id",
            "recurrence_payment_term_id",
            "recurrence_last_error",
            "recurrence_last_error_date",
            "recurrence_consumption",
        ],
        "sale.order.line": ["order_id", "product_id", "display_type", "is_downpayment", "invoice_lines"],
        "account.move": [
            "amount_untaxed",
            "state",
            "move_type",
            "date",
            "invoice_date",
            "recurring_order_id",
            "recurring_period_start",
        ],
        "account.move.line": ["move_id", "display_type", "price_subtotal"],
        "consumption.record": ["invoice_line_id", "partner_id", "date", "company_id", "active"],
        "res.partner": [
            "active",
            "parent_id",
            "company_id",
            "email",
            "is_company",
            "property_payment_term_id",
        ],
        "product.product": ["product_tmpl_id"],
        "product.template": ["categ_id", "property_account_income_id"],
        "product.category": ["property_account_income_categ_id"],
        "account.journal": ["type", "company_id", "default_account_id", "sequence", "active"],
        "res.company": ["income_account_id", "currency_id"],
    }

    # ------------------------------------------------------------------
    # Selections, shared with the sale order
    # ------------------------------------------------------------------

    def _selection_invoice_state(self):
        return self._order_field_selection("recurrence_invoice_state")

    def _selection_date_preference(self):
        return self._order_field_selection("recurrence_date_preference")

    # ------------------------------------------------------------------
    # The query
    # ------------------------------------------------------------------

    @property
    def _table_query(self):
        self._tune_planner()
        return dashboard_query(
            fields.Date.context_today(self),
            defaults={
                "product_income": self._ir_default_sql("product.template", "property_account_income_id"),
                "category_income": self._ir_default_sql(
                    "product.category", "property_account_income_categ_id"
                ),
                "payment_term": self._ir_default_sql("res.partner", "property_payment_term_id"),
            },
        )

    def _tune_planner(self):
        """Planner settings for the rest of the transaction, for queries over every recurring order.

        JIT off: above a planner cost (reached with a few thousand orders), PostgreSQL compiles these queries
        to machine code first: on the benchmark that took 9 s for a query that runs in 0.2 s without it.
        Parallel workers: the default cost of passing a row between processes (0.1) outweighs the work per
        order, which the planner does not see; at 0.01 the tiles and the sort use every core (0.60 -> 0.31 s
        at 100,000 orders on 2 cores). Small queries stay serial: the cost of starting workers is kept.
        """
        self.env.cr.execute(PLANNER_SETTINGS)

    def _consumption_lines_sql(self):
        """SQL subquery (in parentheses) of the ids of the invoice lines that bill consumption."""
        field = self.env["account.move.line"]._fields["consumption_record_ids"]
        return SQL(
            "(SELECT consumption.%s FROM %s consumption WHERE consumption.%s IS NOT NULL)",
            SQL.identifier(field.inverse_name),
            SQL.identifier(self.env[field.comodel_name]._table),
            SQL.identifier(field.inverse_name),
        )

    def _ir_default_sql(self, model_name, field_name):
        """SQL of the company-wide default (``ir.default``, as jsonb) of a company-dependent field for
        ``company.id``: the value of a record that has none of its own in that company."""
        field_id = self.env["ir.model.fields"]._get(model_name, field_name).id
        return SQL(
            """(SELECT d.json_value::jsonb FROM ir_default d
                 WHERE d.field_id = %s AND d.user_id IS NULL AND d.condition IS NULL
                   AND (d.company_id = company.id OR d.company_id IS NULL)
                 ORDER BY d.company_id NULLS LAST, d.id LIMIT 1)""",
            field_id,
        )

    # ------------------------------------------------------------------
    # Readable problems
    # ------------------------------------------------------------------

    # What the readable problems read: values, and many2one fields shown by their names (the Excel export
    # reads the same names in SQL).
    _PROBLEM_VALUE_FIELDS = (
        "has_missing_invoice",
        "missing_count",
        "next_date",
        "has_duplicate_invoice",
        "duplicate_period_count",
        "has_amount_discrepancy",
        "last_invoice_amount",
        "amount_untaxed",
        "has_missing_email",
        "has_inconsistency",
        "is_parent_missing",
        "is_partner_archived",
        "is_company_mismatch",
        "is_payment_term_missing",
        "has_generation_error",
        "generation_error",
        "has_no_consumption",
    )
    _PROBLEM_NAME_FIELDS = (
        "last_invoice_id",
        "invoice_partner_id",
        "company_id",
        "customer_company_id",
        "product_without_account_id",
    )

    # Declared so that the list's first query fetches them with the rest: reading them later would
    # compute the rows a second time.
    @api.depends(*_PROBLEM_VALUE_FIELDS, *_PROBLEM_NAME_FIELDS, "currency_id")
    @api.depends_context("lang")
    def _compute_problems(self):
        for row in self:
            descriptions = self._describe_problems(row._problem_values())
            row.problems = "\n".join(text for _key, text in descriptions) or False

    def _problem_values(self):
        """The values ``_describe_problems`` reads, from this row."""
        self.ensure_one()
        values = {name: self[name] for name in self._PROBLEM_VALUE_FIELDS}
        values.update({name: self[name].display_name or "" for name in self._PROBLEM_NAME_FIELDS})
        values["currency"] = self.currency_id
        return values

    @api.model
    def _describe_problems(self, values):
        """``[(problem key, sentence)]`` for the problems of one row, in the user's language.

        ``values`` maps the row's field names to their values, many2one fields of ``_PROBLEM_NAME_FIELDS``
        to display names, and ``currency`` to the order's currency record.
        """
        currency = values["currency"]
        descriptions = []
        if values["has_missing_invoice"]:
            oldest = values["next_date"]
            descriptions.append(
                (
                    "missing",
                    self.env._(
                        "Missing invoices: %(count)s due period(s) without invoice, the oldest on %(date)s.",
                        count=values["missing_count"],
                        date=format_date(self.env, oldest) if oldest else "?",
                    ),
                )
            )
        if values["has_duplicate_invoice"]:
            descriptions.append(
                (
                    "duplicate",
                    self.env._(
                        "Duplicate invoices: %(count)s period(s) billed more than once.",
                        count=values["duplicate_period_count"],
                    ),
                )
            )
        if values["has_amount_discrepancy"]:
            descriptions.append(
                (
                    "amount",
                    self.env._(
                        "Amount discrepancy: the last invoice %(invoice)s bills %(billed)s for the "
                        "subscription, the order %(amount)s.",
                        invoice=values["last_invoice_id"],
                        billed=formatLang(self.env, values["last_invoice_amount"], currency_obj=currency),
                        amount=formatLang(self.env, values["amount_untaxed"], currency_obj=currency),
                    ),
                )
            )
        if values["has_missing_email"]:
            descriptions.append(
                (
                    "email",
                    self.env._(
                        "Missing email: invoices are sent by email but %(partner)s has no email address.",
                        partner=values["invoice_partner_id"],
                    ),
                )
            )
        if values["has_inconsistency"]:
            descriptions.append(
                (
                    "inconsistency",
                    self.env._(
                        "Inconsistency: %(details)s.",
                        details="; ".join(self._describe_inconsistencies(values)),
                    ),
                )
            )
        if values["has_generation_error"]:
            descriptions.append(
                ("failed", self.env._("Generation failed: %(error)s", error=values["generation_error"]))
            )
        if values["has_no_consumption"]:
            descriptions.append(
                (
                    "consumption",
                    self.env._(
                        "No consumption this period: the customer had consumption in each of the three "
                        "previous periods; check its consumption sources before invoicing."
                    ),
                )
            )
        return descriptions

    @api.model
    def _describe_inconsistencies(self, values):
        details = []
        if values["is_parent_missing"]:
            details.append(self.env._("bills the parent company but the customer has no parent company"))
        if values["is_partner_archived"]:
            details.append(self.env._("the customer, its parent company or the invoiced partner is archived"))
        if values["is_company_mismatch"]:
            details.append(
                self.env._(
                    "the order's company %(company)s differs from the customer's company "
                    "%(customer_company)s",
                    company=values["company_id"],
                    customer_company=values["customer_company_id"],
                )
            )
        if values["product_without_account_id"]:
            details.append(
                self.env._(
                    "no active income account for %(product)s (product, category, company and sales journal)",
                    product=values["product_without_account_id"],
                )
            )
        if values["is_payment_term_missing"]:
            details.append(self.env._("no payment term although the invoiced partner needs one"))
        return details

    @api.model
    def search_fetch(self, domain, field_names=None, offset=0, limit=None, order=None):
        """Sort first, then read the page: the sort computes the problems of every order, the columns
        (invoice counts per period...) are computed for the rows of the page only."""
        records = super().search_fetch(domain, [], offset=offset, limit=limit, order=order)
        if field_names is None or field_names:
            records.fetch(field_names)
        return records

    # ------------------------------------------------------------------
    # Counts for the tiles
    # ------------------------------------------------------------------

    @api.model
    def get_problem_counts(self, domain=None):
        """The number of rows and of rows with each problem among those matching ``domain`` (one query)."""
        query = self._search(domain or [])
        # Each problem computed once per row (OFFSET 0 keeps PostgreSQL from copying the expressions of the
        # flags into every count that reads them).
        flags = query.select(*(SQL.identifier(self._table, field_name) for _key, field_name in PROBLEMS))
        counts = self.env.execute_query(
            SQL(
                "SELECT COUNT(*), COUNT(*) FILTER (WHERE %s), %s FROM (%s OFFSET 0) flags",
                SQL(" OR ").join(SQL.identifier("flags", field_name) for _key, field_name in PROBLEMS),
                SQL(", ").join(
                    SQL("COUNT(*) FILTER (WHERE %s)", SQL.identifier("flags", field_name))
                    for _key, field_name in PROBLEMS
                ),
                flags,
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
        """Generate the due invoices of these orders now, as the order's button does."""
        return self.order_id.action_generate_due_invoices()

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
