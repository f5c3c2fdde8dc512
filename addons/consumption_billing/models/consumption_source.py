"""consumption.source: where consumption is fetched from, on a schedule, and the run log it keeps.

The fetching itself (HTTP pages, parsing, mapping, ingestion) lives in consumption_source_fetch.py.
"""

import logging
import time
from datetime import timedelta
from urllib.parse import urlsplit

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain

from .consumption_record_ingest import INGEST_KEYS

_logger = logging.getLogger(__name__)

MANAGER_GROUP = "consumption_billing.group_consumption_manager"
FAILURE_ACTIVITY = "mail.mail_activity_data_warning"
# A source whose last success is older than this many intervals is flagged as stale.
STALE_INTERVALS = 3
# Words of the authentication header at least this long are hidden from messages ("Bearer" is too).
MIN_SECRET_WORD = 4
AUTH_HEADER_NAME_CHARS = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)


class SourceError(Exception):
    """A failure of a source (unreachable feed, bad page, bad row): it fails the run, never the caller."""


class ConsumptionSource(models.Model):
    _name = "consumption.source"
    _description = "Consumption Source"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        required=True,
        default=lambda self: self.env.user,
        domain=lambda self: [("all_group_ids", "in", self.env.ref(MANAGER_GROUP).id)],
        help="Consumption manager of the source's company: records are fetched under this user's rights "
        "and a failed run schedules an activity for this user.",
    )
    kind = fields.Selection([("http", "HTTP(S) endpoint")], required=True, default="http")
    url = fields.Char(
        string="URL",
        help="http:// or https:// address fetched with GET. {since} is replaced by the start (UTC, ISO 8601) "
        "of the last successful run, or by Start From before the first one.",
    )
    auth_header = fields.Char(
        string="Authentication Header",
        groups=MANAGER_GROUP,
        help="One header sent with every request, written 'Name: value', e.g. 'Authorization: Bearer "
        "abc123'. It is sent only to the host of the URL and never written to the run log.",
    )
    timeout = fields.Integer(
        string="Timeout (seconds)", default=30, help="Longest wait for the server to answer each request."
    )
    file_format = fields.Selection([("json", "JSON"), ("csv", "CSV")], required=True, default="json")
    rows_key = fields.Char(help="JSON key holding the list of rows; empty when the body itself is the list.")
    next_key = fields.Char(
        string="Next Page Key",
        default="next",
        help="JSON key holding the URL of the next page. A 'Link: <...>; rel=\"next\"' header is followed "
        "too.",
    )
    csv_delimiter = fields.Char(string="CSV Delimiter", default=",", size=1)
    decimal_separator = fields.Selection(
        [(".", "Point (1234.5)"), (",", "Comma (1234,5)")], required=True, default="."
    )
    date_format = fields.Char(
        default="%Y-%m-%d", required=True, help="How dates are written in the feed, e.g. %d/%m/%Y."
    )
    interval_number = fields.Integer(string="Every", default=1, required=True)
    interval_type = fields.Selection(
        [("minutes", "Minutes"), ("hours", "Hours"), ("days", "Days")], required=True, default="hours"
    )
    start_from = fields.Datetime(help="Replaces {since} in the URL until the first successful run.")
    # Mapping: the feed's key (JSON) or column (CSV) giving each ingestion field.
    partner_key = fields.Char(string="Customer Key", default="partner", required=True)
    product_key = fields.Char(default="product", required=True)
    date_key = fields.Char(default="date", required=True)
    quantity_key = fields.Char(default="quantity", required=True)
    rate_key = fields.Char(default="rate", required=True)
    uom_key = fields.Char(string="Unit Key", default="uom", required=True)
    external_ref_key = fields.Char(string="External Reference Key", default="external_ref", required=True)
    description_key = fields.Char(default="description", required=True)
    constant_partner_id = fields.Many2one(
        "res.partner", string="Constant Customer", check_company=True, help="Customer of rows that have none."
    )
    constant_product_id = fields.Many2one(
        "product.product",
        check_company=True,
        domain=[("type", "in", ("consu", "service"))],
        help="Product of rows that have none.",
    )
    run_ids = fields.One2many("consumption.source.run", "source_id", string="Runs", readonly=True)
    last_run_at = fields.Datetime(readonly=True, copy=False)
    last_run_state = fields.Selection(
        [("done", "Done"), ("failed", "Failed")], string="Last Run", readonly=True, copy=False
    )
    last_success_at = fields.Datetime(
        string="Last Success",
        readonly=True,
        copy=False,
        help="Start of the last successful run: the {since} of the next run.",
    )
    next_run_at = fields.Datetime(
        string="Next Run", compute="_compute_next_run_at", store=True, index=True, copy=False
    )
    is_stale = fields.Boolean(
        string="Stale",
        compute="_compute_is_stale",
        search="_search_is_stale",
        help="No successful run for more than three intervals.",
    )

    _interval_number_positive = models.Constraint(
        "CHECK (interval_number > 0)", "The interval of a source must be at least 1."
    )
    _timeout_range = models.Constraint(
        "CHECK (timeout BETWEEN 1 AND 300)", "The timeout of a source must be between 1 and 300 seconds."
    )

    @api.depends("last_run_at", "interval_number", "interval_type")
    def _compute_next_run_at(self):
        for source in self:
            source.next_run_at = source.last_run_at and source.last_run_at + source._interval()

    @api.depends("last_success_at", "interval_number", "interval_type")
    @api.depends_context("uid")
    def _compute_is_stale(self):
        now = fields.Datetime.now()
        for source in self:
            since = source.last_success_at or source.create_date
            source.is_stale = bool(
                source.active and since and since < now - STALE_INTERVALS * source._interval()
            )

    def _search_is_stale(self, operator, value):
        """One condition per interval in use: last success (or creation) older than three intervals."""
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        now = fields.Datetime.now()
        stale = Domain.FALSE
        for number, kind in self._read_group([], ["interval_number", "interval_type"]):
            limit = now - STALE_INTERVALS * relativedelta(**{kind: number})
            stale |= Domain([("interval_number", "=", number), ("interval_type", "=", kind)]) & (
                Domain("last_success_at", "<", limit)
                | (Domain("last_success_at", "=", False) & Domain("create_date", "<", limit))
            )
        return stale if (operator == "=") == value else ~stale

    def _interval(self):
        self.ensure_one()
        return relativedelta(**{self.interval_type: self.interval_number or 1})

    @api.constrains("kind", "url", "start_from")
    def _check_url(self):
        for source in self.filtered(lambda source: source.kind == "http"):
            if not source.url:
                raise ValidationError(self.env._("Source %(name)s: the URL is required.", name=source.name))
            parts = urlsplit(source.url.replace("{since}", ""))
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValidationError(
                    self.env._(
                        "Source %(name)s: the URL must start with http:// or https:// and name a host.",
                        name=source.name,
                    )
                )
            if "{since}" in source.url and not source.start_from:
                raise ValidationError(
                    self.env._(
                        "Source %(name)s: the URL contains {since}: set Start From, the date it stands for "
                        "until the first successful run.",
                        name=source.name,
                    )
                )

    @api.constrains("auth_header")
    def _check_auth_header(self):
        for source in self.sudo():
            if source.auth_header and not self._split_auth_header(source.auth_header):
                raise ValidationError(
                    self.env._(
                        "Source %(name)s: write the authentication header as 'Name: value' on one line, "
                        "e.g. 'Authorization: Bearer abc123'.",
                        name=source.name,
                    )
                )

    @api.model
    def _split_auth_header(self, header):
        """(name, value) of a 'Name: value' header, or None when it is not one."""
        name, colon, value = header.partition(":")
        name, value = name.strip(), value.strip()
        if not colon or not name or not value or set(name) - AUTH_HEADER_NAME_CHARS:
            return None
        if any(char in value for char in "\r\n\x00"):
            return None
        return name, value

    @api.constrains("csv_delimiter", "file_format")
    def _check_csv_delimiter(self):
        for source in self.filtered(lambda source: source.file_format == "csv"):
            if not source.csv_delimiter or len(source.csv_delimiter) != 1 or source.csv_delimiter in '\r\n"':
                raise ValidationError(
                    self.env._("Source %(name)s: the CSV delimiter must be one character.", name=source.name)
                )

    @api.constrains("user_id", "company_id")
    def _check_user(self):
        for source in self:
            if source.company_id not in source.user_id.company_ids or not source.user_id.has_group(
                MANAGER_GROUP
            ):
                raise ValidationError(
                    self.env._(
                        "Source %(name)s: the responsible %(user)s must be a consumption manager allowed in "
                        "%(company)s.",
                        name=source.name,
                        user=source.user_id.name,
                        company=source.company_id.name,
                    )
                )

    def _mapping(self):
        """{ingestion key: the feed's key or column}."""
        self.ensure_one()
        return {key: self[f"{key}_key"].strip() for key in INGEST_KEYS}

    # ------------------------------------------------------------------------------------------------
    # Actions and the cron
    # ------------------------------------------------------------------------------------------------

    def action_run(self):
        """Fetch now, due or not, in the caller's transaction (never commits); logs one run per source."""
        for source in self:
            source._run(commit=False)

    def action_preview(self):
        self.ensure_one()
        preview = self.env["consumption.source.preview"].create({"source_id": self.id})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Preview of %(name)s", name=self.name),
            "res_model": "consumption.source.preview",
            "res_id": preview.id,
            "view_mode": "form",
            "target": "new",
        }

    @api.model
    def _due_domain(self):
        return ["|", ("next_run_at", "=", False), ("next_run_at", "<=", fields.Datetime.now())]

    @api.model
    def _cron_fetch(self):
        self._run_due_sources(commit=bool(self.env.context.get("cron_id")))

    @api.model
    def _run_due_sources(self, commit=False):
        """Run every due source of every company, each on its own: with ``commit`` each source (and each
        page of it) is committed through ``ir.cron._commit_progress``, else each runs in a savepoint."""
        sources = (
            self.sudo().with_context(active_test=True).search(self._due_domain(), order="next_run_at, id")
        )
        Cron = self.env["ir.cron"]
        if commit:
            Cron._commit_progress(remaining=len(sources))
        for source in sources:
            try:
                if commit:
                    source._run(commit=True)
                else:
                    with self.env.cr.savepoint():
                        source._run()
            except Exception as error:
                if commit:
                    self.env.cr.rollback()
                _logger.exception("Consumption source %s could not run", source.id)
                source._log_run(fields.Datetime.now(), 0.0, {}, str(error) or type(error).__name__)
            if commit and not Cron._commit_progress(1):
                break

    def _run(self, commit=False):
        """Fetch and ingest this source's feed; returns the run logged."""
        self.ensure_one()
        started_at = fields.Datetime.now()
        clock = time.monotonic()
        stats = {"rows_read": 0, "rows_created": 0, "rows_skipped": 0, "units": 0}
        error = None
        try:
            self._fetch_and_ingest(started_at, stats, commit)
        except SourceError as failure:
            error = str(failure)
        return self._log_run(started_at, time.monotonic() - clock, stats, error)

    def _log_run(self, started_at, duration, stats, error):
        """Write the run, move the cursor on success and keep the responsible's activity in step."""
        self.ensure_one()
        source = self.sudo()
        if error and source.auth_header:
            error = source._hide_secret(error)
        run = (
            self.env["consumption.source.run"]
            .sudo()
            .create(
                {
                    "source_id": self.id,
                    "started_at": started_at,
                    "duration": duration,
                    "state": "failed" if error else "done",
                    "rows_read": stats.get("rows_read", 0),
                    "rows_created": stats.get("rows_created", 0),
                    "rows_skipped": stats.get("rows_skipped", 0),
                    "units": stats.get("units", 0),
                    "error_message": error,
                }
            )
        )
        values = {"last_run_at": started_at, "last_run_state": run.state}
        if not error:
            values["last_success_at"] = started_at
        source.write(values)
        if error:
            source._notify_failure(error)
        else:
            source.activity_feedback([FAILURE_ACTIVITY], only_automated=False)
        return run

    def _hide_secret(self, text):
        """``text`` without the authentication header's value nor any word of it (a server may echo the
        token alone)."""
        secret = self._split_auth_header(self.sudo().auth_header or "")
        if not secret:
            return text
        for word in sorted({secret[1], *secret[1].split()}, key=len, reverse=True):
            if len(word) >= MIN_SECRET_WORD:
                text = text.replace(word, "***")
        return text

    def _notify_failure(self, error):
        """One open activity per failing source, however many runs fail."""
        activity_type = self.env.ref(FAILURE_ACTIVITY)
        note = self.env._("The last run failed: %(error)s", error=error)
        existing = self.activity_ids.filtered(lambda activity: activity.activity_type_id == activity_type)
        if existing:
            existing.write({"note": note, "user_id": self.user_id.id})
            return
        self.activity_schedule(
            FAILURE_ACTIVITY,
            date_deadline=fields.Date.context_today(self),
            summary=self.env._("Consumption source failing"),
            note=note,
            user_id=self.user_id.id,
        )

    def _feed_units(self, started_at):
        """Yield the feed's units of this kind; each is a dict with ``label`` (for messages), ``ref_base``
        (stable part of generated references) and ``rows`` (an iterable of raw rows)."""
        self.ensure_one()
        if self.kind == "http":
            return self._http_units(started_at)
        raise SourceError(self.env._("Sources of kind %(kind)s cannot be fetched here.", kind=self.kind))

    def _since(self):
        self.ensure_one()
        moment = self.last_success_at or self.start_from or fields.Datetime.now() - timedelta(days=1)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
