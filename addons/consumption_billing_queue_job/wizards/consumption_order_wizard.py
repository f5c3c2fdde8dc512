import hashlib

from odoo import Command, api, models
from odoo.addons.consumption_billing.models.consumption_billing import UNBILLED_DOMAIN
from odoo.fields import Domain
from odoo.tools import split_every

from ..models.queue_job import ORDERS_KEY_PREFIX, enqueue_once

CUSTOMERS_PER_JOB_PARAM = "consumption_billing_queue_job.customers_per_job"
DEFAULT_CUSTOMERS_PER_JOB = 100
# Context key set by the job only, with this object as value (no RPC context can carry it): the wizard
# creates the orders of its chunk at once and hands them back to the job.
JOB_RUN_KEY = "consumption_orders_job_run"
JOB_RUN = object()


class ConsumptionOrderWizard(models.TransientModel):
    _inherit = "consumption.order.wizard"

    @api.model
    def _customers_per_job(self):
        """Customers per job (system parameter ``consumption_billing_queue_job.customers_per_job``,
        default 100): a wizard with more customers queues jobs. 0 keeps every wizard in the request; a
        value that is not a whole number from 0 up gives the default."""
        value = (self.env["ir.config_parameter"].sudo().get_param(CUSTOMERS_PER_JOB_PARAM) or "").strip()
        if not (value.isascii() and value.isdigit()):
            return DEFAULT_CUSTOMERS_PER_JOB
        return int(value)

    def _is_job_run(self):
        return self.env.context.get(JOB_RUN_KEY) is JOB_RUN

    def action_create_orders(self):
        """More customers than one job takes: one job per chunk of customers, on
        ``root.consumption_billing``, instead of every order in the request. Who may bill is checked
        first, as by the wizard itself."""
        self.ensure_one()
        self.env["consumption.record"]._check_billing_access()
        customers = self.partner_ids.commercial_partner_id
        size = self._customers_per_job()
        if self._is_job_run() or not size or len(customers) <= size:
            return super().action_create_orders()
        return self._enqueue_orders(customers, size)

    def _orders_identity_key(self, customer_ids):
        """The company, the period, the grouping and the customers: a chunk is enqueued once while its
        job waits or runs (a second click, another user billing the same customers)."""
        self.ensure_one()
        digest = hashlib.sha256(",".join(map(str, sorted(customer_ids))).encode()).hexdigest()
        return (
            f"{ORDERS_KEY_PREFIX}{self.env.company.id}:{self.date_from.isoformat()}:"
            f"{self.date_to.isoformat()}:{self.grouping}:{digest}"
        )

    def _enqueue_orders(self, customers, size):
        """One job per ``size`` customers (by id, so the same customers make the same chunks); tells the
        user how many were queued."""
        self.ensure_one()
        chunks = [list(chunk) for chunk in split_every(size, sorted(customers.ids))]
        queued = sum(self._enqueue_chunk(chunk) for chunk in chunks)
        if queued == len(chunks):
            message = self.env._(
                "%(jobs)s jobs queued for %(customers)s customers: the sale orders appear as they are "
                "created.",
                jobs=queued,
                customers=len(customers),
            )
        else:
            message = self.env._(
                "%(jobs)s jobs queued for %(customers)s customers, %(waiting)s were already queued: the sale "
                "orders appear as they are created.",
                jobs=queued,
                customers=len(customers),
                waiting=len(chunks) - queued,
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": message,
                "type": "success",
                "sticky": False,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _enqueue_chunk(self, customer_ids):
        """One job for the orders of ``customer_ids``, unless the same one waits or runs. The job is on
        the model, not on this wizard, which the vacuum deletes. Returns whether it was enqueued."""
        self.ensure_one()
        identity_key = self._orders_identity_key(customer_ids)
        description = self.env._(
            "Consumption of %(count)s customers from %(date_from)s to %(date_to)s into sale orders",
            count=len(customer_ids),
            date_from=self.date_from,
            date_to=self.date_to,
        )
        delayed = self.browse().with_delay(description=description, identity_key=identity_key)
        return enqueue_once(
            self.env,
            identity_key,
            lambda: delayed._job_create_orders(customer_ids, self.date_from, self.date_to, self.grouping),
        )

    @api.model
    def _job_create_orders(self, customer_ids, date_from, date_to, grouping):
        """The job: the wizard's own path for a chunk of customers, as the user who queued it. Customers
        billed since (this job run before, another user) have nothing left: they are skipped, and a chunk
        with nothing left creates nothing. A concurrent biller's lock makes the job fail with a
        serialization error, which queue_job retries."""
        customers = self.env["res.partner"].browse(customer_ids).exists()
        if not self._has_unbilled(customers, date_from, date_to):
            return self.env._("Nothing left to bill for these %(count)s customers.", count=len(customers))
        wizard = self.create(
            {
                "partner_ids": [Command.set(customers.ids)],
                "date_from": date_from,
                "date_to": date_to,
                "grouping": grouping,
            }
        )
        orders = wizard.with_context(**{JOB_RUN_KEY: JOB_RUN}).action_create_orders()
        return self.env._(
            "%(orders)s sale orders created, %(skipped)s customers had nothing to bill.",
            orders=len(orders),
            skipped=len(customers) - len(orders),
        )

    @api.model
    def _has_unbilled(self, customers, date_from, date_to):
        """Whether any of ``customers`` has unbilled consumption in the period, in the company (what the
        wizard would bill; read without locks, the wizard locks)."""
        domain = UNBILLED_DOMAIN & Domain(
            [
                ("company_id", "=", self.env.company.id),
                ("partner_id.commercial_partner_id", "in", customers.ids),
                ("date", ">=", date_from),
                ("date", "<=", date_to),
            ]
        )
        return bool(self.env["consumption.record"].search_count(domain, limit=1))

    def _notify_and_open(self, orders, skipped):
        """In a job, the orders created, for its result."""
        if self._is_job_run():
            return orders
        return super()._notify_and_open(orders, skipped)
