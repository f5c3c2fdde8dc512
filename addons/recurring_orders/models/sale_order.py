import ast
import datetime
import itertools

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import format_date

from ..tools import engine, periods, subject

FREQUENCY_SELECTION = [
    ("daily", "Daily"),
    ("weekly", "Weekly"),
    ("monthly", "Monthly"),
    ("quarterly", "Quarterly"),
    ("semiannual", "Semiannual"),
    ("annual", "Annual"),
]
DATE_PREFERENCE_SELECTION = [
    ("generation", "Generation date"),
    ("previous_period_end", "End of the previous period"),
    ("period_start", "Start of the period"),
    ("period_end", "End of the period"),
    ("next_period_start", "Start of the next period"),
    ("next_period_end", "End of the next period"),
]
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
        "recurrence_last_error",
        "recurrence_last_error_date",
    )

    recurrence_enabled = fields.Boolean(
        string="Recurring Invoicing",
        tracking=True,
        help="Generate an invoice of this confirmed order at every period.",
    )
    recurrence_frequency = fields.Selection(
        FREQUENCY_SELECTION,
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
        help="No invoice is generated after this date (inclusive). Leave empty to invoice until stopped.",
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
    )
    recurrence_invoice_state = fields.Selection(
        [("draft", "Draft"), ("posted", "Posted"), ("sent", "Posted and sent")],
        string="Generated Invoices",
        default="draft",
        required=True,
        help="Draft: left for review. Posted: confirmed. Posted and sent: confirmed and emailed to the "
        "customer with the standard invoice email.",
    )
    recurrence_subject = fields.Char(
        string="Invoice Subject",
        help="Template of the subject of the generated invoices, filled with the invoice date: {YYYY} 2026, "
        "{YY} 26, {MM} 03, {MMM} the month's name, {DD} 01, {Q} the quarter (1-4). {lang_fr_fr} or "
        "{lang_en_us} forces the language of the month name (else the customer's). {{ and }} print braces. "
        'Example: "Subscription {MMM} {YYYY}".',
    )
    recurrence_date_preference = fields.Selection(
        DATE_PREFERENCE_SELECTION,
        string="Invoice Date",
        default="generation",
        required=True,
        help="Date of the generated invoices, relative to the billed period (the calendar day, ISO week, "
        "month, quarter, half-year or year containing the generation date).",
    )
    recurrence_consumption = fields.Selection(
        [("none", "None"), ("current", "Billed period"), ("previous", "Previous period")],
        string="Include Consumption",
        default="none",
        required=True,
        help="Add the customer's unbilled consumption of the billed period, or of the period before it, "
        "to each generated invoice.",
    )
    recurrence_consumption_domain = fields.Char(
        string="Consumption Filter",
        default="[]",
        help="Only the consumption records matching this filter are added to the invoices.",
    )
    recurrence_consumption_grouping = fields.Selection(
        [("period", "One line per product"), ("month", "One line per product and month")],
        string="Consumption Lines",
        default="period",
        required=True,
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
        compute="_compute_recurrence_next_date",
        store=True,
        index="btree_not_null",
        help="The oldest generation date whose period has no invoice yet (a cancelled invoice frees its "
        "period). Empty when recurring invoicing is off or over.",
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
        "recurrence_date_start",
        "recurrence_date_end",
        "recurrence_invoice_ids.state",
        "recurrence_invoice_ids.recurring_period_start",
    )
    def _compute_recurrence_next_date(self):
        invoiced = self._recurrence_invoiced_periods()
        for order in self:
            next_dates = order._recurrence_uninvoiced_dates(invoiced.get(order._origin.id, set()), limit=1)
            order.recurrence_next_date = next_dates[0] if next_dates else False

    @api.depends(
        "recurrence_next_date",
        "recurrence_frequency",
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
        "recurrence_date_start",
        "recurrence_date_end",
        "recurrence_date_preference",
        "recurrence_subject",
        "recurrence_invoice_partner_id.lang",
        "recurrence_invoice_ids.state",
        "recurrence_invoice_ids.recurring_period_start",
    )
    @api.depends_context("lang")
    def _compute_recurrence_preview(self):
        invoiced = self._recurrence_invoiced_periods()
        today = fields.Date.context_today(self)
        for order in self:
            dates = order._recurrence_uninvoiced_dates(
                invoiced.get(order._origin.id, set()), limit=PREVIEW_SIZE
            )
            order.recurrence_preview = order._recurrence_preview_html(dates, today)

    @api.depends_context("uid")
    def _compute_recurrence_may_set_billing(self):
        self.recurrence_may_set_billing = self._may_set_recurrence_billing()

    @api.depends(
        "state",
        "recurrence_enabled",
        "recurrence_frequency",
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
                    order._recurrence_uninvoiced_dates(invoiced.get(order._origin.id, set()), until=yesterday)
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
        """Start of every period that has a non-cancelled invoice, by order id (one grouped read).

        sudo: the schedule must count every invoice of the order, also for a salesperson who cannot read
        invoices; only period dates are read.
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
            )
        )
        invoiced = {}
        for order, period_start in groups:
            invoiced.setdefault(order.id, set()).add(fields.Date.to_date(period_start))
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
            for day in periods.generation_dates(
                self.recurrence_date_start,
                self.recurrence_frequency,
                end=self.recurrence_date_end or None,
                until=until,
            )
            if periods.period_bounds(day, self.recurrence_frequency)[0] not in invoiced_period_starts
        )
        return list(itertools.islice(dates, limit))

    def _recurrence_document_date(self, generation_date, generated_on):
        """The invoice date of a generation: a catch-up generates late, so never before ``generated_on``."""
        self.ensure_one()
        return periods.document_date(
            generation_date,
            self.recurrence_frequency,
            self.recurrence_date_preference,
            generated_on=max(generation_date, generated_on),
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

    def _recurrence_preview_html(self, dates, today):
        self.ensure_one()
        if not dates:
            if not self.recurrence_enabled:
                message = self.env._("Enable recurring invoicing to see the next invoices.")
            elif not self.recurrence_date_start:
                message = self.env._("Set the first generation date to see the next invoices.")
            else:
                message = self.env._("No invoice left to generate: the last generation date is past.")
            return Markup('<p class="text-muted">%s</p>') % message
        date_format = self.env["res.lang"]._get_data(code=self.env.lang or "en_US").date_format
        rows = []
        for index, generation_date in enumerate(dates, start=1):
            first, last = periods.period_bounds(generation_date, self.recurrence_frequency)
            document_date = self._recurrence_document_date(generation_date, today)
            due = generation_date <= today
            rows.append(
                Markup("<tr><td>%s</td><td>%s%s</td><td>%s - %s</td><td>%s</td><td>%s</td></tr>")
                % (
                    index,
                    generation_date.strftime(date_format),
                    Markup(' <span class="badge text-bg-warning">%s</span>') % self.env._("due")
                    if due
                    else "",
                    first.strftime(date_format),
                    last.strftime(date_format),
                    document_date.strftime(date_format),
                    self._recurrence_preview_subject(document_date) or "",
                )
            )
        header = Markup("<tr><th>#</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>") % (
            self.env._("Generation"),
            self.env._("Billed period"),
            self.env._("Invoice date"),
            self.env._("Subject"),
        )
        return Markup(
            '<table class="table table-sm o_recurrence_preview"><thead>%s</thead><tbody>%s</tbody></table>'
        ) % (header, Markup("").join(rows))

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
        """Refuse a new frequency or first generation date that would bill invoiced periods again.

        Invoiced periods are matched by their start: on a new schedule, the generation dates inside a
        period already invoiced under the old one would be billed twice. A new schedule must therefore
        start with a period after the last invoiced one (or those invoices be cancelled first).
        """
        new_start = fields.Date.to_date(vals.get("recurrence_date_start"))
        changed = self.filtered(
            lambda order: (
                (
                    "recurrence_frequency" in vals
                    and vals["recurrence_frequency"] != order.recurrence_frequency
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
            frequency = vals.get("recurrence_frequency") or order.recurrence_frequency
            start = new_start if "recurrence_date_start" in vals else order.recurrence_date_start
            if start and periods.period_bounds(start, frequency)[0] > last_end:
                continue
            earliest = last_end + datetime.timedelta(days=1)
            if periods.period_bounds(earliest, frequency)[0] != earliest:
                earliest = periods.next_period_bounds(earliest, frequency)[0]
            raise ValidationError(
                self.env._(
                    "Order %(order)s already has recurring invoices up to %(end)s: a new Frequency or First "
                    "Generation date would bill those periods again. Set the First Generation date so that "
                    "its billed period starts after %(end)s (for example %(earliest)s), or cancel those "
                    "invoices first.",
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

    def copy_data(self, default=None):
        """A copy made by a user who may not set the billing settings gets draft invoices, no consumption."""
        vals_list = super().copy_data(default=default)
        if not self._may_set_recurrence_billing():
            for vals in vals_list:
                vals.update(
                    recurrence_invoice_state="draft",
                    recurrence_consumption="none",
                    recurrence_consumption_domain="[]",
                )
        return vals_list

    def write(self, vals):
        self._check_recurring_engine_write(vals)
        if not self._may_set_recurrence_billing():
            self._check_recurrence_billing_settings(
                [name for order in self for name in self._recurrence_billing_requests(vals, order)]
            )
        self._check_finalized_write(vals)
        if "recurrence_frequency" in vals or "recurrence_date_start" in vals:
            self._check_recurrence_schedule_change(vals)
        return super().write(vals)

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
