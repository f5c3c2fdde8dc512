import ast
import datetime
import itertools
from fractions import Fraction

from markupsafe import Markup

from odoo import api, fields, models
from odoo.addons.consumption_billing.models.consumption_billing import GROUPING_SELECTION
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import format_date, formatLang

from ..tools import engine, periods, subject
from ..tools.dashboard_query import duplicate_periods_sql

PREVIEW_SIZE = 12
# What the generator does with the root's rights (post, email, bill consumption): only users allowed to
# post invoices may choose it (see readme/SECURITY.md).
BILLING_SETTINGS_GROUP = "account.group_account_invoice"
# Relational fields of the consumption filter compare ids only: a text value would search the other
# model (names of partners, products...) with the rights of the generator.
CONSUMPTION_FILTER_ID_OPERATORS = ("=", "!=", "in", "not in")


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "recurring.engine.guard"]

    # Written by generation (and by Finalize) only; the computed ones by their computes.
    _recurring_engine_fields = (
        "finalized",
        "recurrence_invoice_ids",
        "recurrence_invoice_partner_id",
        "recurrence_next_date",
        "recurrence_last_invoice_id",
        "recurrence_last_subscription_amount",
        "recurrence_duplicate_period_count",
        "recurrence_last_error",
        "recurrence_last_error_date",
        "recurrence_error_activity_id",
    )

    recurrence_enabled = fields.Boolean(
        string="Recurring Invoicing",
        tracking=True,
        help="Generate an invoice of this confirmed order at every period.",
    )
    recurrence_frequency = fields.Selection(
        periods.FREQUENCY_SELECTION,
        string="Frequency",
        default="monthly",
        required=True,
        tracking=True,
    )
    recurrence_date_start = fields.Date(
        string="First Generation",
        compute="_compute_recurrence_date_start",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        help="Date of the first generation; the next ones follow at the frequency, counted from this date "
        "(a monthly order starting on January 31 generates on February 28, March 31, April 30...).",
    )
    recurrence_date_end = fields.Date(
        string="Last Generation",
        tracking=True,
        help="No invoice is generated after this date (inclusive). Leave empty to invoice until stopped. "
        "With Prorate partial periods, this is the contract's last day instead: the period containing it "
        "is billed for its days up to this date, on its own generation date.",
    )
    recurrence_period_alignment = fields.Selection(
        periods.ALIGNMENT_SELECTION,
        string="Billed Periods",
        default="calendar",
        required=True,
        tracking=True,
        help="Calendar periods: each invoice bills the calendar day, ISO week, month, quarter, half-year or "
        "year containing its generation date. From the first generation date: each invoice bills from its "
        "generation date to the day before the next one (a monthly order starting on January 15 bills "
        "January 15 - February 14), month ends kept (January 31, February 28, March 31...).",
    )
    recurrence_prorate = fields.Boolean(
        string="Prorate partial periods",
        default=False,
        tracking=True,
        help="Bill a period that the first generation date or the last day cuts for its covered days only: "
        "each recurring line's quantity x covered days / days of the period, rounded to the unit's "
        "precision. Bill once lines and consumption are never prorated; the invoice date and subject "
        "still follow the whole period.",
    )
    recurrence_payment_term_id = fields.Many2one(
        "account.payment.term",
        string="Invoice Payment Terms",
        compute="_compute_recurrence_payment_term_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
        help="Payment terms of the generated invoices; by default the order's.",
        tracking=True,
    )
    recurrence_invoice_state = fields.Selection(
        [("draft", "Draft"), ("posted", "Posted"), ("sent", "Posted and sent")],
        string="Generated Invoices",
        default="draft",
        required=True,
        help="Draft: left for review. Posted: confirmed. Posted and sent: confirmed and sent by the "
        "customer's invoice sending method (by email with the standard invoice email by default).",
        tracking=True,
    )
    recurrence_subject = fields.Char(
        string="Invoice Subject",
        help="Template of the subject of the generated invoices, filled with the invoice date: {YYYY} 2026, "
        "{YY} 26, {MM} 03, {MMM} the month's name, {DD} 01, {Q} the quarter (1-4). {lang_fr_fr} or "
        "{lang_en_us} forces the language of the month name (else the customer's). {{ and }} print braces. "
        'Example: "Subscription {MMM} {YYYY}".',
        tracking=True,
    )
    recurrence_date_preference = fields.Selection(
        periods.DATE_PREFERENCE_SELECTION,
        string="Invoice Date",
        default="generation",
        required=True,
        help="Date of the generated invoices, relative to the billed period (see Billed Periods; a prorated "
        "period counts whole).",
        tracking=True,
    )
    recurrence_consumption = fields.Selection(
        periods.CONSUMPTION_SELECTION,
        string="Include Consumption",
        default="none",
        required=True,
        help="Add the customer's unbilled consumption of the billed period, or of the period before it, "
        "to each generated invoice.",
        tracking=True,
    )
    recurrence_consumption_domain = fields.Char(
        string="Consumption Filter",
        default="[]",
        help="Only the consumption records matching this filter are added to the invoices.",
        tracking=True,
    )
    recurrence_consumption_grouping = fields.Selection(
        GROUPING_SELECTION,
        string="Consumption Lines",
        default="period",
        required=True,
        tracking=True,
    )
    recurrence_bill_parent = fields.Boolean(
        string="Invoice the Parent Company",
        tracking=True,
        help="Generated invoices go to the customer's parent company instead of the customer. Without a "
        "parent company, the customer is invoiced.",
    )
    recurrence_invoice_partner_id = fields.Many2one(
        "res.partner",
        string="Invoiced Partner",
        compute="_compute_recurrence_invoice_partner_id",
        store=True,
        index="btree_not_null",
        help="The partner the generated invoices are addressed to.",
    )
    recurrence_next_date = fields.Date(
        string="Next Generation",
        compute="_compute_recurrence_invoicing_progress",
        store=True,
        index="btree_not_null",
        help="The oldest generation date whose period has no invoice yet (a cancelled invoice frees its "
        "period). Empty when recurring invoicing is off or over.",
    )
    # Kept with the next date whenever an invoice is generated, cancelled or deleted: the dashboard reads
    # them for every order without scanning the invoices.
    recurrence_last_invoice_id = fields.Many2one(
        "account.move",
        string="Last Generated Invoice",
        compute="_compute_recurrence_invoicing_progress",
        store=True,
        index="btree_not_null",
        copy=False,
        help="The generated invoice (not cancelled) of the latest period.",
    )
    recurrence_duplicate_period_count = fields.Integer(
        string="Periods Billed Twice",
        compute="_compute_recurrence_duplicate_period_count",
        store=True,
        copy=False,
        help="Periods billed by more than one invoice that is not cancelled: a customer invoice made by hand "
        "from the order's lines next to the generated invoice of its period, or to another one.",
    )
    recurrence_last_subscription_amount = fields.Monetary(
        string="Last Invoice Subscription",
        compute="_compute_recurrence_last_subscription_amount",
        store=True,
        copy=False,
        currency_field="currency_id",
        help="Untaxed amount of the last generated invoice without its consumption lines and the order's "
        "Bill once lines: what it billed for the subscription.",
    )
    recurrence_next_document_date = fields.Date(
        string="Next Invoice Date",
        compute="_compute_recurrence_next_invoice",
    )
    recurrence_next_subject = fields.Char(
        string="Next Invoice Subject",
        compute="_compute_recurrence_next_invoice",
    )
    recurrence_preview = fields.Html(
        string="Next Invoices",
        compute="_compute_recurrence_preview",
        sanitize=False,
    )
    recurrence_may_set_billing = fields.Boolean(
        string="May Set Posting and Consumption",
        compute="_compute_recurrence_may_set_billing",
        help="Whether the user may choose posted or sent invoices and the consumption to bill (billing "
        "users): the form shows these settings read-only to the others.",
    )
    recurrence_catch_up_alert = fields.Char(
        string="Past Periods to Invoice",
        compute="_compute_recurrence_catch_up_alert",
        help="Shown before saving when the schedule has generation dates in the past that have no invoice: "
        "the next run of the generation invoices them (a limited number per run, oldest first).",
    )
    recurrence_invoice_ids = fields.One2many(
        "account.move",
        "recurring_order_id",
        string="Recurring Invoices",
        readonly=True,
    )
    recurrence_last_error = fields.Text(
        string="Last Generation Error",
        readonly=True,
        copy=False,
    )
    recurrence_last_error_date = fields.Datetime(
        string="Last Generation Error On",
        readonly=True,
        copy=False,
    )
    finalized = fields.Boolean(
        readonly=True,
        copy=False,
        tracking=True,
        help="A finalized order is locked for good: only its status and its recurring invoicing settings "
        "can change.",
    )
    recurrence_invoiced_until = fields.Date(
        string="Invoiced until",
        tracking=True,
        copy=False,
        help="Every period that ends on or before this date was billed outside Odoo: it is never generated "
        "nor reported missing. Generation goes on with the first period that ends after it. Set it when "
        "importing running contracts.",
    )
    recurrence_error_activity_id = fields.Many2one(
        "mail.activity",
        string="Generation Error Activity",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The To-Do scheduled when generation or sending failed; marked done by the next run that "
        "succeeds.",
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends("recurrence_enabled")
    def _compute_recurrence_date_start(self):
        """Ticking recurring invoicing proposes today as the first generation."""
        today = fields.Date.context_today(self)
        for order in self:
            order.recurrence_date_start = order.recurrence_date_start or (
                today if order.recurrence_enabled else False
            )

    @api.depends("payment_term_id")
    def _compute_recurrence_payment_term_id(self):
        for order in self:
            order.recurrence_payment_term_id = order.payment_term_id

    @api.depends(
        "recurrence_bill_parent",
        "partner_invoice_id",
        "partner_id.parent_id.commercial_partner_id",
    )
    def _compute_recurrence_invoice_partner_id(self):
        for order in self:
            order.recurrence_invoice_partner_id = (
                order._recurrence_parent_company() or order.partner_invoice_id
            )

    def _recurrence_parent_company(self):
        """The company billed instead of the customer (its parent's commercial entity), or nothing."""
        self.ensure_one()
        if not self.recurrence_bill_parent:
            return self.env["res.partner"]
        return self.partner_id.parent_id.commercial_partner_id

    @api.depends(
        "recurrence_enabled",
        "recurrence_frequency",
        "recurrence_period_alignment",
        "recurrence_prorate",
        "recurrence_date_start",
        "recurrence_date_end",
        "recurrence_invoiced_until",
        "recurrence_invoice_ids.state",
        "recurrence_invoice_ids.recurring_period_start",
    )
    def _compute_recurrence_invoicing_progress(self):
        invoiced = self._recurrence_invoiced_periods()
        for order in self:
            order_invoiced = invoiced.get(order._origin.id, {})
            next_dates = order._recurrence_uninvoiced_dates(order_invoiced, limit=1)
            order.recurrence_next_date = next_dates[0] if next_dates else False
            last_period = max(order_invoiced, default=None)
            order.recurrence_last_invoice_id = order_invoiced.get(last_period, False)

    @api.depends(
        "recurrence_last_invoice_id.invoice_line_ids.price_subtotal",
        "recurrence_last_invoice_id.invoice_line_ids.display_type",
        "recurrence_last_invoice_id.invoice_line_ids.consumption_record_ids",
        "recurrence_last_invoice_id.invoice_line_ids.sale_line_ids.recurrence_bill_once",
    )
    def _compute_recurrence_last_subscription_amount(self):
        for order in self:
            lines = order.recurrence_last_invoice_id.invoice_line_ids.filtered(
                lambda line: (
                    line.display_type == "product"
                    and not line.consumption_record_ids
                    and not any(line.sale_line_ids.mapped("recurrence_bill_once"))
                )
            )
            order.recurrence_last_subscription_amount = sum(lines.mapped("price_subtotal"))

    @api.depends(
        "recurrence_enabled",
        "recurrence_frequency",
        "recurrence_period_alignment",
        "recurrence_date_start",
        "recurrence_invoice_ids.state",
        "recurrence_invoice_ids.recurring_period_start",
        "order_line.invoice_lines.move_id.state",
        "order_line.invoice_lines.move_id.move_type",
        "order_line.invoice_lines.move_id.invoice_date",
        "order_line.invoice_lines.move_id.date",
        "order_line.invoice_lines.move_id.recurring_order_id",
    )
    def _compute_recurrence_duplicate_period_count(self):
        """One query for all the orders (see ``duplicate_periods_sql``), after writing what it reads; as
        every stored compute, run as superuser: every invoice counts, whoever changed one."""
        order_ids = [order._origin.id for order in self if order._origin.id and order.recurrence_enabled]
        counts = {}
        if order_ids:
            self.env["account.move"].flush_model(
                ["state", "move_type", "invoice_date", "date", "recurring_order_id", "recurring_period_start"]
            )
            self.env["account.move.line"].flush_model(["move_id", "sale_line_ids"])
            self.env["sale.order.line"].flush_model(["order_id"])
            self.flush_model(["recurrence_frequency", "recurrence_period_alignment", "recurrence_date_start"])
            counts = dict(self.env.execute_query(duplicate_periods_sql(order_ids)))
        for order in self:
            order.recurrence_duplicate_period_count = counts.get(order._origin.id, 0)

    @api.depends(
        "recurrence_next_date",
        "recurrence_frequency",
        "recurrence_period_alignment",
        "recurrence_date_start",
        "recurrence_date_preference",
        "recurrence_subject",
        "recurrence_invoice_partner_id.lang",
    )
    @api.depends_context("lang")
    def _compute_recurrence_next_invoice(self):
        today = fields.Date.context_today(self)
        for order in self:
            generation_date = order.recurrence_next_date
            if not generation_date:
                order.recurrence_next_document_date = False
                order.recurrence_next_subject = False
                continue
            document_date = order._recurrence_document_date(generation_date, today)
            order.recurrence_next_document_date = document_date
            order.recurrence_next_subject = order._recurrence_preview_subject(document_date)

    @api.depends(
        "recurrence_enabled",
        "recurrence_frequency",
        "recurrence_period_alignment",
        "recurrence_prorate",
        "recurrence_date_start",
        "recurrence_date_end",
        "recurrence_date_preference",
        "recurrence_subject",
        "recurrence_invoice_partner_id.lang",
        "recurrence_invoiced_until",
        "order_line.recurrence_bill_once",
        "order_line.product_uom_qty",
        "order_line.price_subtotal",
        "currency_id",
        "recurrence_invoice_ids.state",
        "recurrence_invoice_ids.recurring_period_start",
    )
    @api.depends_context("lang")
    def _compute_recurrence_preview(self):
        invoiced = self._recurrence_invoiced_periods()
        today = fields.Date.context_today(self)
        for order in self:
            dates = order._recurrence_uninvoiced_dates(invoiced.get(order._origin.id, {}), limit=PREVIEW_SIZE)
            order.recurrence_preview = order._recurrence_preview_html(
                dates, today, invoiced.get(order._origin.id, {})
            )

    @api.depends_context("uid")
    def _compute_recurrence_may_set_billing(self):
        self.recurrence_may_set_billing = self._may_set_recurrence_billing()

    @api.depends(
        "state",
        "recurrence_enabled",
        "recurrence_frequency",
        "recurrence_period_alignment",
        "recurrence_prorate",
        "recurrence_date_start",
        "recurrence_date_end",
        "recurrence_invoice_ids.state",
        "recurrence_invoice_ids.recurring_period_start",
    )
    def _compute_recurrence_catch_up_alert(self):
        invoiced = self._recurrence_invoiced_periods()
        yesterday = fields.Date.context_today(self) - datetime.timedelta(days=1)
        limit = self.env["recurring.invoice.generator"]._catch_up_limit()
        for order in self:
            count = 0
            if order.state != "cancel":
                count = len(
                    order._recurrence_uninvoiced_dates(invoiced.get(order._origin.id, {}), until=yesterday)
                )
            order.recurrence_catch_up_alert = order._recurrence_catch_up_message(count, limit)

    def _recurrence_catch_up_message(self, count, limit):
        if not count:
            return False
        if count == 1:
            return self.env._("1 past period will be invoiced at the next run.")
        if count <= limit:
            return self.env._("%(count)s past periods will be invoiced at the next run.", count=count)
        return self.env._(
            "%(count)s past periods will be invoiced: %(limit)s at the next run, oldest first, and the rest "
            "at the following runs (%(limit)s per run).",
            count=count,
            limit=limit,
        )

    @api.depends("recurrence_invoice_ids")
    def _get_invoiced(self):
        """Generated invoices are linked through their lines; the order link also covers invoices that
        only carry consumption."""
        result = super()._get_invoiced()
        for order in self:
            invoices = order.invoice_ids | order.recurrence_invoice_ids.filtered(
                lambda move: move.move_type in ("out_invoice", "out_refund")
            )
            order.invoice_ids = invoices
            order.invoice_count = len(invoices)
        return result

    # ------------------------------------------------------------------
    # Dates and subjects (translations of tools.periods / tools.subject)
    # ------------------------------------------------------------------

    def _recurrence_invoiced_periods(self):
        """``{order id: {period start: invoice id}}``: the start of every period that has a non-cancelled
        generated invoice, with that invoice (one grouped read; the unique index allows one per period).

        sudo: the schedule must count every invoice of the order, also for a salesperson who cannot read
        invoices; only period dates and ids are read.
        """
        order_ids = [order_id for order_id in self._origin.ids if order_id]
        if not order_ids:
            return {}
        groups = (
            self.env["account.move"]
            .sudo()
            ._read_group(
                [
                    ("recurring_order_id", "in", order_ids),
                    ("state", "!=", "cancel"),
                    ("recurring_period_start", "!=", False),
                ],
                ["recurring_order_id", "recurring_period_start:day"],
                ["id:max"],
            )
        )
        invoiced = {}
        for order, period_start, invoice_id in groups:
            invoiced.setdefault(order.id, {})[fields.Date.to_date(period_start)] = invoice_id
        return invoiced

    def _recurrence_uninvoiced_dates(self, invoiced_period_starts, limit=None, until=None):
        """Generation dates whose period has no invoice, oldest first.

        Each skipped date has an invoiced period, so the walk stops after at most
        ``len(invoiced_period_starts) + limit`` dates.
        """
        self.ensure_one()
        if not (self.recurrence_enabled and self.recurrence_date_start):
            return []
        if self.recurrence_date_end and self.recurrence_date_end < self.recurrence_date_start:
            return []
        dates = (
            day
            for day in self._recurrence_generation_dates(until=until)
            if not self._recurrence_period_invoiced(day, invoiced_period_starts)
            and not self._recurrence_billed_outside(day)
        )
        return list(itertools.islice(dates, limit))

    def _recurrence_generation_dates(self, until=None):
        """The order's generation dates up to ``until``: up to its end date (inclusive), or when it
        prorates, as long as their period starts on or before its end date (the contract's last day)."""
        self.ensure_one()
        end = self.recurrence_date_end or None
        dates = periods.generation_dates(
            self.recurrence_date_start,
            self.recurrence_frequency,
            end=None if self.recurrence_prorate else end,
            until=until,
        )
        if self.recurrence_prorate and end:
            return itertools.takewhile(lambda day: self._recurrence_period_bounds(day)[0] <= end, dates)
        return dates

    def _recurrence_period_invoiced(self, generation_date, invoiced_period_starts):
        """Whether the period of ``generation_date`` has an invoice: one starting on its first day, or on
        its first covered day (a prorated first period starts on the order's start). An invoice of an
        earlier schedule counts for the period it starts."""
        first, _last = self._recurrence_period_bounds(generation_date)
        return (
            first in invoiced_period_starts
            or max(first, self.recurrence_date_start) in invoiced_period_starts
        )

    def _recurrence_period_bounds(self, day, shift=0, frequency=None, alignment=None, start=None):
        """``(first, last)`` of the order's period containing ``day`` (``shift`` -1: the period before it,
        1: the one after), by the order's frequency, alignment and first generation date; a schedule
        change being checked passes its new ``frequency``, ``alignment`` and ``start``."""
        self.ensure_one()
        bounds = {
            -1: periods.previous_period_bounds,
            0: periods.period_bounds,
            1: periods.next_period_bounds,
        }[shift]
        return bounds(
            day,
            frequency or self.recurrence_frequency,
            alignment or self.recurrence_period_alignment,
            start or self.recurrence_date_start,
        )

    def _recurrence_billed_period(self, generation_date):
        """``(first, last, share)`` billed for the period of ``generation_date``: the whole period and
        a share of 1, or when the order prorates, the days its start and end date cover and their share
        of the period's days (an exact ``Fraction``)."""
        self.ensure_one()
        first, last = self._recurrence_period_bounds(generation_date)
        if not self.recurrence_prorate:
            return first, last, Fraction(1)
        return periods.proration(first, last, self.recurrence_date_start, self.recurrence_date_end or None)

    def _recurrence_billed_outside(self, generation_date):
        """Whether the period of ``generation_date`` was billed outside Odoo: it ends on or before
        *Invoiced until* (a period ending after it is generated)."""
        self.ensure_one()
        until = self.recurrence_invoiced_until
        return bool(until) and self._recurrence_period_bounds(generation_date)[1] <= until

    def _recurrence_bills_once_lines(self, period_start, invoiced_period_starts):
        """Whether the invoice of the period starting on ``period_start`` carries the order's *Bill once*
        lines: it is the order's first generated invoice (no invoice of an earlier period is left) and the
        order's first period was not billed outside Odoo."""
        self.ensure_one()
        if not self.recurrence_date_start or self._recurrence_billed_outside(self.recurrence_date_start):
            return False
        return not any(start < period_start for start in invoiced_period_starts)

    def _recurrence_document_date(self, generation_date, generated_on):
        """The invoice date of a generation: a catch-up generates late, so never before ``generated_on``."""
        self.ensure_one()
        return periods.document_date(
            generation_date,
            self.recurrence_frequency,
            self.recurrence_date_preference,
            generated_on=max(generation_date, generated_on),
            alignment=self.recurrence_period_alignment,
            start=self.recurrence_date_start,
        )

    def _recurrence_subject_lang(self):
        self.ensure_one()
        partner = self.recurrence_invoice_partner_id or self.partner_id
        return partner.lang or self.env.lang or "en_US"

    def _recurrence_preview_subject(self, document_date):
        """The subject for the form, where an invalid template shows as an empty subject."""
        if not self.recurrence_subject:
            return False
        try:
            return subject.render_subject(
                self.recurrence_subject, document_date, lang=self._recurrence_subject_lang()
            )
        except subject.SubjectTemplateError:
            return False

    def _recurrence_preview_html(self, dates, today, invoiced_period_starts=frozenset()):
        self.ensure_one()
        billed_before = self._recurrence_preview_billed_before()
        if not dates:
            if not self.recurrence_enabled:
                message = self.env._("Enable recurring invoicing to see the next invoices.")
            elif not self.recurrence_date_start:
                message = self.env._("Set the first generation date to see the next invoices.")
            else:
                message = self.env._("No invoice left to generate: the last generation date is past.")
            return billed_before + Markup('<p class="text-muted">%s</p>') % message
        date_format = self.env["res.lang"]._get_data(code=self.env.lang or "en_US").date_format
        rows = []
        for index, generation_date in enumerate(dates, start=1):
            first, last, share = self._recurrence_billed_period(generation_date)
            document_date = self._recurrence_document_date(generation_date, today)
            due = generation_date <= today
            once = index == 1 and self._recurrence_preview_once_badge(first, invoiced_period_starts)
            cells = [
                index,
                Markup("%s%s")
                % (
                    generation_date.strftime(date_format),
                    Markup(' <span class="badge text-bg-warning">%s</span>') % self.env._("due")
                    if due
                    else "",
                ),
                Markup("%s - %s%s%s")
                % (
                    first.strftime(date_format),
                    last.strftime(date_format),
                    Markup(' <span class="badge text-bg-secondary o_recurrence_prorated">%s</span>')
                    % self.env._(
                        "prorated %(covered)s/%(days)s days",
                        **self._recurrence_share_days(share, first, last),
                    )
                    if share != 1
                    else "",
                    once or "",
                ),
                document_date.strftime(date_format),
                self._recurrence_preview_subject(document_date) or "",
            ]
            if self.recurrence_prorate:
                cells.append(
                    formatLang(
                        self.env,
                        self._recurrence_period_amount(share, bool(once)),
                        currency_obj=self.currency_id,
                    )
                )
            rows.append(
                Markup("<tr>%s</tr>") % Markup("").join(Markup("<td>%s</td>") % cell for cell in cells)
            )
        titles = [
            "#",
            self.env._("Generation"),
            self.env._("Billed period"),
            self.env._("Invoice date"),
            self.env._("Subject"),
        ]
        if self.recurrence_prorate:
            titles.append(self.env._("Untaxed amount"))
        header = Markup("<tr>%s</tr>") % Markup("").join(Markup("<th>%s</th>") % title for title in titles)
        return billed_before + Markup(
            '<table class="table table-sm o_recurrence_preview"><thead>%s</thead><tbody>%s</tbody></table>'
        ) % (header, Markup("").join(rows))

    def _recurrence_share_days(self, share, first, last):
        """The covered days and the days of a prorated period (``first``-``last``: its covered days)."""
        covered = (last - first).days + 1
        return {"covered": covered, "days": round(covered / share)}

    def _recurrence_period_amount(self, share, with_once_lines=False):
        """The untaxed amount of an invoice billing ``share`` of a period: each recurring line's subtotal for
        its prorated quantity (a line's subtotal is proportional to its quantity), with the *Bill once*
        lines when the invoice carries them."""
        self.ensure_one()
        amount = 0.0
        for line in self.order_line:
            if line.display_type or line.is_downpayment or not line.product_uom_qty:
                continue
            if line.recurrence_bill_once:
                amount += line.price_subtotal if with_once_lines else 0.0
                continue
            amount += line.price_subtotal * line._recurrence_prorated_quantity(share) / line.product_uom_qty
        return self.currency_id.round(amount)

    def _recurrence_preview_billed_before(self):
        """The preview's note on *Invoiced until*: the periods billed outside Odoo."""
        if not (self.recurrence_enabled and self.recurrence_invoiced_until):
            return Markup("")
        return Markup(
            '<p class="o_recurrence_billed_before"><span class="badge text-bg-info">%s</span> %s</p>'
        ) % (
            self.env._("billed before"),
            self.env._(
                "Every period ending on or before %(date)s was billed outside Odoo: none is generated.",
                date=format_date(self.env, self.recurrence_invoiced_until),
            ),
        )

    def _recurrence_preview_once_badge(self, period_start, invoiced_period_starts):
        """The badge of the invoice that carries the *Bill once* lines, when the next one does."""
        once_lines = self.order_line.filtered(
            lambda line: line.recurrence_bill_once and not line.display_type
        )
        if not once_lines or not self._recurrence_bills_once_lines(period_start, invoiced_period_starts):
            return False
        return Markup(' <span class="badge text-bg-info o_recurrence_once" title="%s">%s</span>') % (
            ", ".join(once_lines.mapped("name")),
            self.env._("+ bill-once lines"),
        )

    # ------------------------------------------------------------------
    # Validation
    # ------------------------------------------------------------------

    @api.constrains("recurrence_date_start", "recurrence_date_end")
    def _check_recurrence_dates(self):
        for order in self:
            if (
                order.recurrence_date_start
                and order.recurrence_date_end
                and order.recurrence_date_end < order.recurrence_date_start
            ):
                raise ValidationError(
                    self.env._(
                        "Order %(order)s: the last generation date (%(end)s) is before the first one "
                        "(%(start)s). Set a last generation date on or after the first one, or leave it "
                        "empty.",
                        order=order.name,
                        end=order.recurrence_date_end,
                        start=order.recurrence_date_start,
                    )
                )

    @api.constrains("recurrence_enabled", "recurrence_date_start")
    def _check_recurrence_start(self):
        for order in self:
            if order.recurrence_enabled and not order.recurrence_date_start:
                raise ValidationError(
                    self.env._(
                        "Order %(order)s: recurring invoicing needs a first generation date.",
                        order=order.name,
                    )
                )

    def _check_recurrence_schedule_change(self, vals):
        """Refuse a new frequency, alignment or first generation date that would bill invoiced periods again.

        Invoiced periods are matched by their start: on a new schedule, the generation dates inside a
        period already invoiced under the old one would be billed twice. A new schedule must therefore
        bill from a day after the last invoiced one: its first period starts after it, or, when the order
        prorates, its first generation date is after it (or those invoices be cancelled first). Prorating
        alone changes no period: the invoices of prorated periods count for their period either way.
        """
        new_start = fields.Date.to_date(vals.get("recurrence_date_start"))
        changed = self.filtered(
            lambda order: (
                any(
                    name in vals and vals[name] != order[name]
                    for name in ("recurrence_frequency", "recurrence_period_alignment")
                )
                or ("recurrence_date_start" in vals and new_start != order.recurrence_date_start)
            )
        )
        if not changed:
            return
        # sudo: every invoice of the order counts, also for a salesperson who cannot read invoices.
        last_ends = {
            order.id: last_end
            for order, last_end in self.env["account.move"]
            .sudo()
            ._read_group(
                [
                    ("recurring_order_id", "in", changed.ids),
                    ("state", "!=", "cancel"),
                    ("recurring_period_end", "!=", False),
                ],
                ["recurring_order_id"],
                ["recurring_period_end:max"],
            )
        }
        for order in changed:
            last_end = last_ends.get(order.id)
            if not last_end:
                continue
            schedule = {
                "frequency": vals.get("recurrence_frequency") or order.recurrence_frequency,
                "alignment": vals.get("recurrence_period_alignment") or order.recurrence_period_alignment,
                "start": new_start if "recurrence_date_start" in vals else order.recurrence_date_start,
            }
            prorate = vals.get("recurrence_prorate", order.recurrence_prorate)
            start = schedule["start"]
            if start:
                first = order._recurrence_period_bounds(start, **schedule)[0]
                if (max(first, start) if prorate else first) > last_end:
                    continue
            # A first generation date starts its own period when anniversary aligned, its billed days when
            # prorated; else the next calendar period start.
            earliest = last_end + datetime.timedelta(days=1)
            calendar_periods = not prorate and schedule["alignment"] == "calendar"
            if calendar_periods and order._recurrence_period_bounds(earliest, **schedule)[0] != earliest:
                earliest = order._recurrence_period_bounds(earliest, shift=1, **schedule)[0]
            raise ValidationError(
                self.env._(
                    "Order %(order)s already has recurring invoices up to %(end)s: a new Frequency, Billed "
                    "Periods or First Generation date would bill those periods again. Set the First "
                    "Generation date so that its billed period starts after %(end)s (for example "
                    "%(earliest)s), or cancel those invoices first.",
                    order=order.name,
                    end=format_date(self.env, last_end),
                    earliest=format_date(self.env, earliest),
                )
            )

    @api.constrains("recurrence_subject")
    def _check_recurrence_subject(self):
        for order in self:
            try:
                subject.parse_subject(order.recurrence_subject, translate=self.env._)
            except subject.SubjectTemplateError as error:
                raise ValidationError(
                    self.env._("Invoice subject of order %(order)s: %(error)s", order=order.name, error=error)
                ) from error

    @api.constrains("recurrence_consumption_domain")
    def _check_recurrence_consumption_domain(self):
        for order in self:
            order._recurrence_consumption_domain()

    def _recurrence_consumption_domain(self):
        """The consumption filter as a domain; a text that is not a literal, valid domain on the consumption
        records' own fields is refused (the generator evaluates it with its own rights: see
        ``_check_consumption_filter_fields``)."""
        self.ensure_one()
        text = (self.recurrence_consumption_domain or "").strip() or "[]"
        try:
            domain = ast.literal_eval(text)
            Domain(domain).validate(self.env["consumption.record"])
        except (ValueError, SyntaxError, TypeError, KeyError, MemoryError, RecursionError) as error:
            raise ValidationError(
                self.env._(
                    "Consumption filter of order %(order)s is not a valid filter (%(error)s). Edit it with "
                    "the filter editor, using fixed values only.",
                    order=self.name,
                    error=error,
                )
            ) from error
        self._check_consumption_filter_fields(domain)
        return domain

    def _check_consumption_filter_fields(self, domain):
        """Refuse a filter that reaches another model: a path (``partner_id.name``), a sub-filter (``any``),
        a hierarchy (``child_of``), a name searched on a relational field or a field computed at search
        time. The cron evaluates the filter as its own user, so such a filter would read other models'
        data with the cron's rights."""
        Record = self.env["consumption.record"]
        for condition in Domain(domain).iter_conditions():
            field = Record._fields.get(condition.field_expr)
            reaches_out = (
                field is None
                or not field.store
                or (
                    field.relational
                    and (
                        condition.operator not in CONSUMPTION_FILTER_ID_OPERATORS
                        or not all(
                            isinstance(value, int) and not isinstance(value, bool)
                            for value in (
                                condition.value
                                if isinstance(condition.value, (list, tuple, set))
                                else [condition.value]
                            )
                            if value is not False
                        )
                    )
                )
            )
            if reaches_out:
                raise ValidationError(
                    self.env._(
                        "Consumption filter of order %(order)s: the condition on %(condition)s reaches "
                        "another model. Filter on the consumption records' own fields only, comparing "
                        "relational fields (customer, product...) with the records themselves, not with "
                        "their names or fields.",
                        order=self.name,
                        condition=condition.field_expr,
                    )
                )

    # ------------------------------------------------------------------
    # Generation
    # ------------------------------------------------------------------

    def _generate_recurring_invoices(self, batch_size=None, commit=False):
        """Generate every due invoice of the recurring orders (all of them when ``self`` is empty).

        Catches up missed generation dates, oldest first, up to the catch-up limit per order and run. Each
        batch of orders commits (through ``ir.cron._commit_progress``) when ``commit`` is true: only the
        cron asks for it (``_cron_generate_recurring_invoices``), never a context a client sends.
        Returns the generated invoices, and the failures as ``{order: error message}``.
        """
        return self.env["recurring.invoice.generator"]._generate(self, batch_size=batch_size, commit=commit)

    @api.model
    def _cron_generate_recurring_invoices(self):
        """The cron's entry point: every due order, committing batch by batch."""
        return self._generate_recurring_invoices(commit=True)

    def _check_can_generate_recurring_invoices(self):
        """Refuse, with a message saying what to fix, what would make a wrong invoice."""
        self.ensure_one()
        for partner in (self.partner_id, self.recurrence_invoice_partner_id):
            if not partner.active:
                raise UserError(
                    self.env._(
                        "The invoiced partner %(partner)s is archived: restore it or change the order's "
                        "customer before generating invoices.",
                        partner=partner.display_name,
                    )
                )

    def action_generate_due_invoices(self):
        """Generate what is due for these orders now, with the user's rights, and say what happened.

        The order's button and the dashboard's "Generate missing now". A user who may not create invoices
        is refused at once, rather than every order recording a failed generation.
        """
        if not self:
            raise UserError(self.env._("Select the orders whose due invoices to generate."))
        self.check_access("write")
        if not self.env["account.move"].has_access("create"):
            raise AccessError(
                self.env._(
                    "You are not allowed to create invoices, so you cannot generate the due invoices of "
                    "%(orders)s: ask a billing user to generate them, or an administrator for invoicing "
                    "rights.",
                    orders=", ".join(self.mapped("name")),
                )
            )
        invoices, failures = self._generate_recurring_invoices(commit=False)
        if failures:
            message = "\n".join(
                self.env._("%(order)s: %(error)s", order=order.name, error=error)
                for order, error in failures.items()
            )
            notification_type = "danger"
        elif invoices:
            message = self.env._("%(count)s invoice(s) generated.", count=len(invoices))
            notification_type = "success"
        else:
            message = self.env._("Nothing is due: every period up to today has its invoice.")
            notification_type = "info"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Recurring invoices"),
                "message": message,
                "type": notification_type,
                "sticky": bool(failures),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # ------------------------------------------------------------------
    # Finalize
    # ------------------------------------------------------------------

    def action_finalize(self):
        """Lock the order for good: unlike Odoo's lock, there is no way back, so only a Sales manager may."""
        if not (self.env.su or self.env.user.has_group("sales_team.group_sale_manager")):
            raise AccessError(
                self.env._(
                    "Only a Sales administrator can finalize an order (%(orders)s): finalizing cannot be "
                    "undone.",
                    orders=", ".join(self.mapped("name")),
                )
            )
        self.check_access("write")
        not_confirmed = self.filtered(lambda order: order.state != "sale")
        if not_confirmed:
            raise UserError(
                self.env._(
                    "Only confirmed orders can be finalized: %(orders)s.",
                    orders=", ".join(not_confirmed.mapped("name")),
                )
            )
        self.filtered(lambda order: not order.finalized).with_context(**engine.engine_context()).write(
            {"finalized": True}
        )
        return True

    @api.model
    def _finalized_writable_fields(self):
        """Fields a finalized order still accepts: its status, its recurrence, and what Odoo writes itself."""
        technical = set(models.MAGIC_COLUMNS) | {"write_date", "write_uid"}
        for mixin in ("mail.thread", "mail.activity.mixin", "portal.mixin"):
            if mixin in self.env:
                technical |= set(self.env[mixin]._fields)
        return technical | {"state"}

    def _is_writable_when_finalized(self, field_name):
        return field_name.startswith("recurrence_") or field_name in self._finalized_writable_fields()

    def _check_finalized_write(self, field_names):
        finalized = self.filtered("finalized")
        if not finalized:
            return
        refused = sorted(name for name in field_names if not self._is_writable_when_finalized(name))
        if refused:
            labels = ", ".join(self._fields[name].get_description(self.env)["string"] for name in refused)
            raise UserError(
                self.env._(
                    "Order %(orders)s is finalized: only its status and its recurring invoicing can change "
                    "(refused: %(fields)s).",
                    orders=", ".join(finalized.mapped("name")),
                    fields=labels,
                )
            )

    # ------------------------------------------------------------------
    # Who may set what
    # ------------------------------------------------------------------

    def _may_set_recurrence_billing(self):
        """Whether the user may choose what the generator does with its own rights: post and send the
        invoices, bill consumption and which (see readme/SECURITY.md)."""
        return self.env.su or self.env.user.has_group(BILLING_SETTINGS_GROUP)

    @api.model
    def _recurrence_billing_requests(self, values, current=None):
        """The names of the billing settings ``values`` sets, compared with ``current`` (an order, or
        nothing at creation): posting or sending, consumption, another consumption filter. Going back to
        draft invoices or no consumption is never a request."""
        requested = [
            name
            for name, harmless in (
                ("recurrence_invoice_state", ("draft",)),
                ("recurrence_consumption", (False, "none")),
            )
            if name in values
            and values[name] not in harmless
            and (not current or values[name] != current[name])
        ]
        if "recurrence_consumption_domain" in values:
            new_filter = (values["recurrence_consumption_domain"] or "").strip() or "[]"
            old_filter = ((current.recurrence_consumption_domain if current else "") or "").strip() or "[]"
            if new_filter != old_filter:
                requested.append("recurrence_consumption_domain")
        return requested

    def _check_recurrence_billing_settings(self, requested):
        if not requested or self._may_set_recurrence_billing():
            return
        labels = ", ".join(
            self._fields[name].get_description(self.env)["string"] for name in sorted(set(requested))
        )
        raise AccessError(
            self.env._(
                "Only users allowed to post invoices (Invoicing: Billing or above) can set %(fields)s: the "
                "daily generation posts and emails the invoices and bills the consumption as these settings "
                "say. Ask a billing user to set them.",
                fields=labels,
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_recurring_engine_create(vals_list)
        if not self._may_set_recurrence_billing():
            defaults = self.default_get(
                ["recurrence_invoice_state", "recurrence_consumption", "recurrence_consumption_domain"]
            )
            self._check_recurrence_billing_settings(
                [
                    name
                    for vals in vals_list
                    for name in self._recurrence_billing_requests({**defaults, **vals})
                ]
            )
        return super().create(vals_list)

    def write(self, vals):
        self._check_recurring_engine_write(vals)
        if not self._may_set_recurrence_billing():
            self._check_recurrence_billing_settings(
                [name for order in self for name in self._recurrence_billing_requests(vals, order)]
            )
        self._check_finalized_write(vals)
        if {"recurrence_frequency", "recurrence_period_alignment", "recurrence_date_start"} & set(vals):
            self._check_recurrence_schedule_change(vals)
        return super().write(vals)

    def copy_data(self, default=None):
        """A copy is a new contract: it starts today (the user's day), with no end, nothing invoiced
        outside Odoo and no error; its other recurrence settings are kept, but for the billing settings
        of a user who may not set them."""
        vals_list = super().copy_data(default=default)
        default = default or {}
        today = fields.Date.context_today(self)
        if not self._may_set_recurrence_billing():
            for vals in vals_list:
                vals.update(
                    recurrence_invoice_state="draft",
                    recurrence_consumption="none",
                    recurrence_consumption_domain="[]",
                )
        for order, vals in zip(self, vals_list, strict=True):
            if not order.recurrence_enabled:
                continue
            for name, value in (
                ("recurrence_date_start", today),
                ("recurrence_date_end", False),
                ("recurrence_invoiced_until", False),
            ):
                if name not in default:
                    vals[name] = value
        if not self._may_set_recurrence_billing():
            # Copied by a user who may not set the billing settings: draft invoices, no consumption.
            for vals in vals_list:
                vals.update(
                    recurrence_invoice_state="draft",
                    recurrence_consumption="none",
                    recurrence_consumption_domain="[]",
                )
        return vals_list

    @api.ondelete(at_uninstall=False)
    def _unlink_except_finalized(self):
        if self.filtered("finalized"):
            raise UserError(self.env._("A finalized order cannot be deleted."))

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        """Make every field of the form read-only once finalized, except the recurrence section."""
        arch, view = super()._get_view(view_id, view_type, **options)
        if view_type == "form":
            for node in arch.xpath("//field[not(ancestor::field)]"):
                name = node.get("name")
                if name not in self._fields or self._is_writable_when_finalized(name) or name == "finalized":
                    continue
                readonly = node.get("readonly")
                node.set("readonly", f"({readonly}) or finalized" if readonly else "finalized")
        return arch, view

    # ------------------------------------------------------------------
    # Generated invoices, one at a time (hooks of recurring.invoice.generator's batches)
    # ------------------------------------------------------------------

    def _prepare_recurring_invoice_values(self, plan, invoice_values, line_values, consumption_line_values):
        """Values of the invoice generated for one period of the order, as given to
        ``account.move.create()``.

        ``plan``: the period (``generation_date``, ``period_start``, ``period_end``, ``share``,
        ``document_date``, ``subject``, ``bill_once``); ``invoice_values``: the order's
        ``_prepare_invoice()``, read once for all of its periods; ``line_values``: the invoice lines of the
        order lines billed in this period, quantities prorated; ``consumption_line_values``: the period's
        consumption section and lines, empty without. The arguments are shared with the other periods: copy
        what you change.

        Override it to change one generated invoice (a reference, a journal, a line) without copying the
        generator's batch, which creates every invoice of a batch with one ``create()``.
        """
        self.ensure_one()
        values = dict(invoice_values)
        # Payment transactions and the payment reference belong to the order's first payment, not to every
        # period.
        values.pop("transaction_ids", None)
        values.pop("payment_reference", None)
        values.update(
            partner_id=self.recurrence_invoice_partner_id.id,
            invoice_payment_term_id=self.recurrence_payment_term_id.id,
            recurring_order_id=self.id,
            invoice_date=plan["document_date"],
            invoice_subject=plan["subject"],
            recurring_period_start=plan["period_start"],
            recurring_period_end=plan["period_end"],
            invoice_line_ids=[
                fields.Command.create(dict(line)) for line in (*line_values, *consumption_line_values)
            ],
        )
        return values

    def _prepare_recurring_consumption_section(self, date_from, date_to, billing_lines):
        """Values of the section line heading the consumption of a generated invoice, in the order's
        invoice language (``self``'s context): "Consumption from <start> to <end>", where ``date_from`` and
        ``date_to`` bound the billed period and the start goes back to the oldest late record among
        ``billing_lines`` (``consumption.billing._prepare_billing()``'s lines of this invoice).

        Override it to rename or move the section; the lines themselves are
        ``consumption.billing._prepare_invoice_line_values()``'s."""
        self.ensure_one()
        start = min(date_from, *(line["date_from"] for line in billing_lines))
        return {
            "display_type": "line_section",
            "name": self.env._(
                "Consumption from %(start)s to %(end)s",
                start=format_date(self.env, start),
                end=format_date(self.env, date_to),
            ),
            "sequence": 10000,
        }
