import datetime
import logging
from collections import defaultdict

import psycopg2.errors

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command, Domain
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL, plaintext2html, split_every

from ..tools import engine, subject
from ..tools.periods import CONSUMPTION_PERIOD_SHIFTS

_logger = logging.getLogger(__name__)

BATCH_ATTEMPTS = 3
# Periods generated at most per order and run (``recurring_orders.catch_up_limit``): a start date decades in
# the past is caught up over several runs instead of one batch that never ends.
DEFAULT_CATCH_UP_LIMIT = 36


class RecurringInvoiceGenerator(models.AbstractModel):
    """Generates the due invoices of recurring sale orders, in batches.

    Orders are taken in batches of ``_batch_size``; each batch locks its order rows (``FOR UPDATE SKIP
    LOCKED``: an order another worker is generating is left to it), plans one invoice per due generation
    date, creates all of them with one ``account.move.create(list)`` and posts them together. When
    anything in a batch fails, the batch is rolled back to its savepoint and redone order by order, each
    in its own savepoint, so one bad order is reported on its chatter while the others are generated.
    The unique index on (order, period start) of non-cancelled invoices is the last guard against
    duplicates.
    """

    _name = "recurring.invoice.generator"
    _description = "Recurring Invoice Generation"

    # Measured (tests/benchmarks): 50 orders per batch ran ~12% slower than 100; 200 and 500 gained
    # under 3% more and lose more work to a failure or a kill.
    _batch_size = 100

    @api.model
    def _generate(self, orders, batch_size=None, commit=False):
        """See ``sale.order._generate_recurring_invoices``; returns ``(invoices, {order: error})``.

        Each order is due as of its company's today (``_company_todays``); the orders of one company are
        batched together.
        """
        todays = self._company_todays()
        domain = self._due_domain(todays)
        if orders:
            domain &= Domain("id", "in", orders.ids)
        due_orders = self.env["sale.order"].search_fetch(domain, ["company_id"], order="company_id, id")
        order_ids_by_company = defaultdict(list)
        for order in due_orders:
            order_ids_by_company[order.company_id].append(order.id)
        if commit:
            # Commit before locking, so the first batch reads a fresh snapshot.
            self.env["ir.cron"]._commit_progress(remaining=len(due_orders))
        invoices = self.env["account.move"]
        failures = {}
        for company, order_ids in order_ids_by_company.items():
            for batch_ids in split_every(batch_size or self._batch_size, order_ids):
                batch_invoices, batch_failures = self._run_batch(list(batch_ids), todays[company], commit)
                invoices |= batch_invoices
                failures.update(batch_failures)
                if commit and not self.env["ir.cron"]._commit_progress(len(batch_ids)):
                    return invoices, failures  # out of time: the cron runs again for the rest
        failures.update(self._resend_failed_sendings(orders, todays, batch_size, commit, exclude=failures))
        return invoices, failures

    @api.model
    def _company_todays(self):
        """``{company: today}`` in each company's time zone (its partner's, *Contacts > Time zone*), else in
        the user's: the cron runs as OdooBot, whose time zone is no customer's."""
        companies = self.env["res.company"].sudo().search_fetch([], ["partner_id"])
        return {
            company: fields.Date.context_today(
                self.with_context(tz=company.partner_id.tz or self.env.context.get("tz"))
            )
            for company in companies
        }

    @api.model
    def _catch_up_limit(self):
        """Periods generated at most per order and run (system parameter ``recurring_orders.catch_up_limit``,
        default 36); a value that is not a positive integer gives the default."""
        return self._positive_int_param("recurring_orders.catch_up_limit", DEFAULT_CATCH_UP_LIMIT)

    @api.model
    def _positive_int_param(self, key, default):
        """The system parameter ``key`` as a positive integer; ``default`` when it is anything else."""
        value = self.env["ir.config_parameter"].sudo().get_param(key)
        try:
            number = int(value)
        except (TypeError, ValueError):
            return default
        return number if number > 0 else default

    @api.model
    def _resend_failed_sendings(self, orders, todays, batch_size, commit, exclude):
        """Send the invoices whose sending failed (``recurring_sending_failed``) of the orders that are not
        due, so that an order fixed after the failure (an email address added...) gets them sent by the
        next run; due orders get theirs with their batch. Returns the orders that fail again.

        ``exclude``: the orders that just failed in this run. Orders are locked like a batch (two workers
        never send one invoice twice) and a batch hit by a concurrent update is run again.
        """
        domain = Domain(
            [
                ("recurring_sending_failed", "=", True),
                ("state", "=", "posted"),
                ("recurring_order_id.state", "=", "sale"),
                ("recurring_order_id.recurrence_invoice_state", "=", "sent"),
                ("recurring_order_id", "not in", [order.id for order in exclude]),
            ]
        ) & (
            Domain("recurring_order_id.recurrence_next_date", "=", False)
            | Domain.OR(
                Domain("company_id", "=", company.id)
                & Domain("recurring_order_id.recurrence_next_date", ">", today)
                for company, today in todays.items()
            )
        )
        if orders:
            domain &= Domain("recurring_order_id", "in", orders.ids)
        Move = self.env["account.move"]
        order_ids = sorted(set(Move.search(domain).recurring_order_id.ids))
        failures = {}
        for batch_ids in split_every(batch_size or self._batch_size, order_ids):
            failures.update(
                self._retrying(commit, lambda batch_ids=batch_ids: self._resend_batch(list(batch_ids))) or {}
            )
            if commit and not self.env["ir.cron"]._commit_progress(len(batch_ids)):
                break
        return failures

    @api.model
    def _resend_batch(self, order_ids):
        self.env["sale.order"].flush_model(["recurrence_invoice_state"])
        locked = self.env.execute_query(
            SQL(
                """SELECT id FROM sale_order
                    WHERE id = ANY(%s) AND recurrence_invoice_state = 'sent'
                    ORDER BY id
                      FOR UPDATE SKIP LOCKED""",
                order_ids,
            )
        )
        orders = self.env["sale.order"].browse(row[0] for row in locked)
        failures = self._send_invoices(self._failed_sendings(orders))
        self._record_outcome(orders, failures)
        return failures

    @api.model
    def _failed_sendings(self, orders):
        """The posted invoices of the orders that generation could not email, row-locked (one a user is
        sending by hand at this moment is left to them); those sent by hand since are unflagged."""
        if not orders:
            return self.env["account.move"]
        flagged = self.env["account.move"].search(
            [
                ("recurring_order_id", "in", orders.ids),
                ("recurring_sending_failed", "=", True),
                ("state", "=", "posted"),
            ]
        )
        sent = flagged.filtered("is_move_sent")
        sent.with_context(**engine.engine_context()).recurring_sending_failed = False
        if not flagged - sent:
            return self.env["account.move"]
        self.env["account.move"].flush_model(["is_move_sent"])
        locked = self.env.execute_query(
            SQL(
                """SELECT id FROM account_move
                    WHERE id = ANY(%s) AND NOT COALESCE(is_move_sent, FALSE)
                    ORDER BY id
                      FOR UPDATE SKIP LOCKED""",
                (flagged - sent).ids,
            )
        )
        return self.env["account.move"].browse(row[0] for row in locked)

    @api.model
    def _due_domain(self, todays):
        """The orders due as of their company's today (``todays``: ``{company: today}``)."""
        return Domain([("state", "=", "sale"), ("recurrence_enabled", "=", True)]) & Domain.OR(
            Domain("company_id", "=", company.id) & Domain("recurrence_next_date", "<=", today)
            for company, today in todays.items()
        )

    @api.model
    def _run_batch(self, order_ids, today, commit):
        """Lock and generate one batch, as one transaction when ``commit``."""

        def generate():
            orders = self.env["sale.order"].browse(self._lock_due_orders(order_ids, today))
            return self._generate_batch(orders, today)

        return self._retrying(commit, generate) or (self.env["account.move"], {})

    @api.model
    def _retrying(self, commit, work):
        """``work()``, run again when another worker's concurrent update (a customer's rank, a row it
        committed after our snapshot) makes PostgreSQL abort with a transient error: with our own
        transaction, roll back and run again on a fresh snapshot; without (a button in a request), let the
        request be retried. None when every attempt failed: the next run does the work."""
        for attempt in range(1, BATCH_ATTEMPTS + 1):
            try:
                return work()
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                if not commit:
                    raise
                self.env.cr.rollback()
                _logger.info("Recurring invoices: concurrent update, batch attempt %s rolled back", attempt)
        _logger.warning("Recurring invoices: a batch is left for the next run after concurrent updates")
        return None

    @api.model
    def _lock_due_orders(self, order_ids, today):
        """Lock the orders of the batch that are still due; skip those another worker holds."""
        self.env["sale.order"].flush_model(["state", "recurrence_enabled", "recurrence_next_date"])
        query = SQL(
            """
            SELECT id FROM sale_order
             WHERE id = ANY(%s) AND state = 'sale' AND recurrence_enabled AND recurrence_next_date <= %s
             ORDER BY id
               FOR UPDATE SKIP LOCKED
            """,
            order_ids,
            today,
        )
        return [row[0] for row in self.env.execute_query(query)]

    # ------------------------------------------------------------------
    # One batch
    # ------------------------------------------------------------------

    @api.model
    def _generate_batch(self, orders, today):
        plans, failures = self._plan_invoices(orders, today)
        invoices = self.env["account.move"]
        if plans:
            try:
                with self.env.cr.savepoint():
                    created = self._create_invoices(plans)
                invoices = created
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                raise
            except Exception:
                # Any failure: redo the batch order by order, to generate the good ones and report the bad.
                _logger.warning(
                    "Recurring invoices: batch failed, generating its orders one by one", exc_info=True
                )
                invoices, order_failures = self._create_invoices_one_order_at_a_time(plans)
                failures.update(order_failures)
        # The batch's new invoices, and those of its orders that earlier runs could not send.
        failures.update(self._send_invoices(invoices | self._failed_sendings(orders)))
        self._record_outcome(orders, failures)
        return invoices, failures

    @api.model
    def _create_invoices_one_order_at_a_time(self, plans):
        invoices = self.env["account.move"]
        failures = {}
        for order_id, order_plans in plans.items():
            order = self.env["sale.order"].browse(order_id)
            try:
                with self.env.cr.savepoint():
                    created = self._create_invoices({order_id: order_plans})
                invoices |= created
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                raise
            except psycopg2.errors.UniqueViolation:
                # Another transaction invoiced one of these periods since we read them: nothing to do.
                _logger.info("Recurring invoices: order %s already has an invoice for a due period", order.id)
            except Exception as error:
                _logger.warning("Recurring invoices: order %s failed", order.id, exc_info=True)
                failures[order] = self._error_message(error)
        return invoices, failures

    @api.model
    def _error_message(self, error):
        if isinstance(error, UserError):
            return error.args[0]
        return f"{type(error).__name__}: {error}"

    @api.model
    def _plan_invoices(self, orders, today):
        """``{order id: [plan]}``, one plan per due generation date, oldest first, and the orders refused.

        A plan holds the generation date, the billed period (its covered days when prorated) and its share
        of the whole period, the document date and the subject.
        """
        invoiced = orders._recurrence_invoiced_periods()
        catch_up_limit = self._catch_up_limit()
        plans = {}
        failures = {}
        for order in orders:
            try:
                order._check_can_generate_recurring_invoices()
                template = subject.parse_subject(order.recurrence_subject, translate=self.env._)
                lang = order._recurrence_subject_lang()
                order_plans = []
                for generation_date in order._recurrence_uninvoiced_dates(
                    invoiced.get(order.id, {}), limit=catch_up_limit, until=today
                ):
                    first, last, share = order._recurrence_billed_period(generation_date)
                    document_date = order._recurrence_document_date(generation_date, today)
                    order_plans.append(
                        {
                            "generation_date": generation_date,
                            "period_start": first,
                            "period_end": last,
                            "share": share,
                            "document_date": document_date,
                            "subject": subject.render_subject(template, document_date, lang=lang) or False,
                        }
                    )
                self._plan_once_lines(order, order_plans, invoiced.get(order.id, {}))
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                raise
            except Exception as error:
                _logger.warning("Recurring invoices: order %s cannot be planned", order.id, exc_info=True)
                failures[order] = self._error_message(error)
                continue
            if order_plans:
                plans[order.id] = order_plans
        return plans, failures

    @api.model
    def _plan_once_lines(self, order, order_plans, invoiced_period_starts):
        """Mark the plan whose invoice carries the order's *Bill once* lines: the oldest planned period,
        when it is the order's first generated invoice (``bill_once``)."""
        for index, plan in enumerate(order_plans):
            plan["bill_once"] = index == 0 and order._recurrence_bills_once_lines(
                plan["period_start"], invoiced_period_starts
            )

    # ------------------------------------------------------------------
    # Invoices
    # ------------------------------------------------------------------

    @api.model
    def _invoice_creation_context(self):
        """Generated invoices are traced by their order link, not by creation messages and followers; their
        consumption lines are the billing engine's (links and price sources)."""
        return {
            "default_move_type": "out_invoice",
            "mail_create_nolog": True,
            "mail_create_nosubscribe": True,
            **engine.engine_context(),
            **self.env["consumption.billing"]._engine_context(),
        }

    @api.model
    def _create_invoices(self, plans):
        """Create and (when the order says so) post the planned invoices, one create per company and lang."""
        invoices = self.env["account.move"]
        groups = defaultdict(list)
        for order in self.env["sale.order"].browse(plans):
            groups[order.company_id, order._recurrence_subject_lang()].append(order.id)
        for (company, lang), order_ids in groups.items():
            orders = self.env["sale.order"].with_company(company).with_context(lang=lang).browse(order_ids)
            invoices |= self.env["recurring.invoice.journal.items"]._create_invoices(
                self.env["account.move"]
                .with_company(company)
                .with_context(**self._invoice_creation_context()),
                self._invoice_values(orders, plans),
                company,
            )
        invoices = invoices.with_env(self.env)
        to_post = invoices.filtered(lambda move: move.recurring_order_id.recurrence_invoice_state != "draft")
        if to_post:
            to_post.action_post()
        return invoices

    @api.model
    def _invoice_values(self, orders, plans):
        """Values of the planned invoices of ``orders`` (``plans``: ``{order id: [plan]}``), order by order
        and period by period. What the periods of an order share is built once (Odoo's
        ``_prepare_invoice()``, its invoice lines, and the consumption of the whole batch in one engine
        call); ``sale.order._prepare_recurring_invoice_values()`` gives the invoice of each period."""
        consumption = self._consumption_line_values(orders, plans)
        vals_list = []
        for order in orders:
            invoice_values = order._prepare_invoice()
            line_values = self._order_line_values(order)
            recurring_line_values = self._without_once_lines(order, line_values)
            for index, plan in enumerate(plans[order.id]):
                plan_line_values = self._prorated_line_values(
                    order, line_values if plan.get("bill_once") else recurring_line_values, plan["share"]
                )
                vals_list.append(
                    order._prepare_recurring_invoice_values(
                        plan, invoice_values, plan_line_values, consumption.get((order.id, index), [])
                    )
                )
        return vals_list

    @api.model
    def _order_line_values(self, order):
        """Invoice line values of the order's lines: every product line with its ordered quantity (linked
        to its sale line), sections and notes; down payments are not part of a period.

        Consumption an order line would hand over to its invoice is left out: these values are copied on
        every invoice of a catch-up, and a period's consumption comes from the engine.
        """
        values = []
        for sequence, line in enumerate(order.order_line.sorted("sequence"), start=1):
            if line.is_downpayment or (not line.display_type and not line.product_uom_qty):
                continue
            optional = {"sequence": sequence}
            if not line.display_type:
                optional["quantity"] = line.product_uom_qty
            values.extend(line._prepare_invoice_lines_vals_list(**optional))
        for line_values in values:
            line_values.pop("consumption_record_ids", None)
        return values

    @api.model
    def _prorated_line_values(self, order, line_values, share):
        """``line_values`` with each recurring line's quantity prorated to ``share`` of its period, rounded
        to its unit's precision (*Bill once* lines keep theirs); the values themselves when ``share`` is 1."""
        if share == 1:
            return line_values
        order_lines = {line.id: line for line in order.order_line}
        prorated = []
        for values in line_values:
            line_ids = [
                command[1] for command in values.get("sale_line_ids", ()) if command[0] == Command.LINK
            ]
            if "quantity" in values and len(line_ids) == 1 and line_ids[0] in order_lines:
                values = dict(values, quantity=order_lines[line_ids[0]]._recurrence_prorated_quantity(share))
            prorated.append(values)
        return prorated

    @api.model
    def _without_once_lines(self, order, line_values):
        """The invoice line values of ``order`` without those of its *Bill once* lines."""
        once_line_ids = set(order.order_line.filtered("recurrence_bill_once").ids)
        if not once_line_ids:
            return line_values
        return [
            values
            for values in line_values
            if not once_line_ids.intersection(
                command[1] for command in values.get("sale_line_ids", ()) if command[0] == Command.LINK
            )
        ]

    @api.model
    def _consumption_line_values(self, orders, plans):
        """Invoice line values of the unbilled consumption to add, by ``(order id, plan index)``.

        One call of the consumption billing engine for every plan of the batch that includes consumption,
        with the order's filter and grouping: the records of the billed period (``current``) or of the one
        before it (``previous``), then, on their own lines, the records of the earlier periods since the
        order's first one that arrived after their period's invoice. The engine leaves out billed records
        and gives a record to the first request that covers it (the oldest plan, in a catch-up), and links
        the records to the invoice lines created from these values: the section of
        ``sale.order._prepare_recurring_consumption_section()``, then one line per billing line from
        ``consumption.billing._prepare_invoice_line_values()``.
        """
        requests = []
        keys = []
        for order in orders.filtered(lambda order: order.recurrence_consumption in CONSUMPTION_PERIOD_SHIFTS):
            domain = order._recurrence_consumption_domain()
            shift = CONSUMPTION_PERIOD_SHIFTS[order.recurrence_consumption]
            first_date = order._recurrence_period_bounds(order.recurrence_date_start, shift=shift)[0]
            for index, plan in enumerate(plans[order.id]):
                # The whole period: consumption is never prorated.
                date_from, date_to = order._recurrence_period_bounds(plan["generation_date"], shift=shift)
                windows = [(date_from, date_to)]
                if first_date < date_from:
                    windows.append((first_date, date_from - datetime.timedelta(days=1)))
                for window_from, window_to in windows:
                    requests.append(
                        {
                            "partner_id": order.partner_id.id,
                            "date_from": window_from,
                            "date_to": window_to,
                            "domain": domain,
                            "grouping": order.recurrence_consumption_grouping,
                            "company_id": order.company_id.id,
                            "currency_id": order.currency_id.id,
                        }
                    )
                    keys.append((order, index, date_from, date_to))
        if not requests:
            return {}
        billing = self.env["consumption.billing"]
        billing_lines_by_plan = defaultdict(list)
        for (order, index, date_from, date_to), billing_lines in zip(
            keys, billing._prepare_billing(requests), strict=True
        ):
            billing_lines_by_plan[order, index, date_from, date_to].extend(billing_lines)
        result = {}
        for (order, index, date_from, date_to), billing_lines in billing_lines_by_plan.items():
            if not billing_lines:
                continue
            section = order._prepare_recurring_consumption_section(date_from, date_to, billing_lines)
            lines = [
                billing._prepare_invoice_line_values(line, sequence=10001 + position)
                for position, line in enumerate(billing_lines)
            ]
            result[order.id, index] = [section, *lines]
        return result

    @api.model
    def _send_invoices(self, invoices):
        """Send the posted invoices of orders set to "sent" (never one already sent) by the invoiced
        customer's sending method; a failure is reported and flagged on the invoice
        (``recurring_sending_failed``), which stays posted."""
        failures = {}
        to_send = invoices.filtered(
            lambda move: (
                move.state == "posted"
                and not move.is_move_sent
                and move.recurring_order_id.recurrence_invoice_state == "sent"
            )
        )
        failed = self.env["account.move"]
        Send = self.env["account.move.send"]
        for invoice in to_send:
            try:
                with self.env.cr.savepoint():
                    # The customer's preferred sending method (email, download, post, electronic...).
                    sending_methods = Send._get_default_sending_methods(invoice)
                    if "email" in sending_methods and not invoice.partner_id.email:
                        raise UserError(
                            self.env._(
                                "Invoice %(invoice)s was not sent: %(partner)s has no email address.",
                                invoice=invoice.name,
                                partner=invoice.partner_id.display_name,
                            )
                        )
                    Send._generate_and_send_invoices(invoice, sending_methods=sending_methods)
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                raise
            except Exception as error:
                _logger.warning("Recurring invoices: sending invoice %s failed", invoice.id, exc_info=True)
                message = self._error_message(error)
                order = invoice.recurring_order_id
                failures[order] = f"{failures[order]}\n{message}" if order in failures else message
                failed |= invoice
        as_engine = engine.engine_context()
        (to_send - failed).filtered("recurring_sending_failed").with_context(**as_engine).write(
            {"recurring_sending_failed": False}
        )
        failed.with_context(**as_engine).write({"recurring_sending_failed": True})
        return failures

    @api.model
    def _record_outcome(self, orders, failures):
        """Store the last error on each failed order (for the dashboard) and log it on its chatter, once
        per distinct error: an order failing the same way on every run does not fill its chatter."""
        now = fields.Datetime.now()
        as_engine = engine.engine_context()
        for order, message in failures.items():
            repeated = order.recurrence_last_error == message
            order.with_context(**as_engine).write(
                {"recurrence_last_error": message, "recurrence_last_error_date": now}
            )
            if repeated:
                continue
            order.message_post(
                body=self.env._("Recurring invoice generation failed: %(error)s", error=message),
                subtype_xmlid="mail.mt_note",
            )
        recovered = (orders - self.env["sale.order"].concat(*failures)).filtered("recurrence_last_error")
        if recovered:
            recovered.with_context(**as_engine).write(
                {"recurrence_last_error": False, "recurrence_last_error_date": False}
            )
        self._update_error_activities(orders, failures)

    # ------------------------------------------------------------------
    # Error activities
    # ------------------------------------------------------------------

    @api.model
    def _update_error_activities(self, orders, failures):
        """Keep one open To-Do per failing order, holding its last error, and mark it done when the order
        succeeds again. Orders without an open To-Do cost no query beyond reading the batch's links."""
        open_activities = orders.recurrence_error_activity_id.filtered("active")
        as_engine = engine.engine_context()
        failed = self.env["sale.order"].concat(*failures)
        for order in failed.filtered(lambda order: order.recurrence_error_activity_id in open_activities):
            note = self._error_activity_note(failures[order])
            if order.recurrence_error_activity_id.note != note:
                order.recurrence_error_activity_id.note = note
        new = failed.filtered(lambda order: order.recurrence_error_activity_id not in open_activities)
        if new:
            activities = self.env["mail.activity"].create(
                [self._prepare_error_activity(order, failures[order]) for order in new]
            )
            for order, activity in zip(new, activities, strict=True):
                order.with_context(**as_engine).recurrence_error_activity_id = activity
        recovered = (orders - failed).filtered(
            lambda order: order.recurrence_error_activity_id in open_activities
        )
        if recovered:
            recovered.recurrence_error_activity_id.action_feedback(
                feedback=self.env._("The next recurring invoice generation succeeded.")
            )
            recovered.with_context(**as_engine).recurrence_error_activity_id = False

    @api.model
    def _error_activity_note(self, message):
        return plaintext2html(message)

    @api.model
    def _prepare_error_activity(self, order, message):
        return {
            "res_model_id": self.env["ir.model"]._get_id("sale.order"),
            "res_id": order.id,
            "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
            "summary": self.env._("Recurring invoicing failed"),
            "note": self._error_activity_note(message),
            "user_id": self._error_activity_user(order).id,
            "date_deadline": fields.Date.context_today(self),
            "automated": True,
        }

    @api.model
    def _error_activity_user(self, order):
        """The order's salesperson, else a billing user of its company, else the user running."""
        if order.user_id.active and not order.user_id.share:
            return order.user_id
        billing_user = self.env["res.users"].search(
            [
                ("all_group_ids", "in", self.env.ref("account.group_account_invoice").id),
                ("company_ids", "in", order.company_id.id),
                ("share", "=", False),
            ],
            order="id",
            limit=1,
        )
        return billing_user or self.env.user
