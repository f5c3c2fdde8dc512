import hashlib
import logging

from odoo import api, models
from odoo.addons.consumption_billing_queue_job.models.queue_job import enqueue_once

_logger = logging.getLogger(__name__)

# Set by the daily cron only (``sale.order._cron_generate_recurring_invoices``): its batches become jobs.
PLAN_CONTEXT_KEY = "recurring_invoicing_as_jobs"
IDENTITY_KEY_PREFIX = "recurring_invoicing:"
DEFAULT_JOB_BATCH_SIZE = 100


class RecurringInvoiceGenerator(models.AbstractModel):
    _inherit = "recurring.invoice.generator"

    @api.model
    def _job_batch_size(self):
        """Orders per job (system parameter ``recurring_orders_queue_job.batch_size``, default 100); a value
        that is not a positive integer gives the default."""
        return self._positive_int_param("recurring_orders_queue_job.batch_size", DEFAULT_JOB_BATCH_SIZE)

    @api.model
    def _generate(self, orders, batch_size=None, commit=False):
        if self.env.context.get(PLAN_CONTEXT_KEY) and not batch_size:
            batch_size = self._job_batch_size()
        return super()._generate(orders, batch_size=batch_size, commit=commit)

    @api.model
    def _run_batch(self, order_ids, today, commit):
        """When the cron plans, a batch becomes a job instead of being generated here."""
        if not self.env.context.get(PLAN_CONTEXT_KEY):
            return super()._run_batch(order_ids, today, commit)
        self._enqueue_batch(order_ids, today)
        return self.env["account.move"], {}

    @api.model
    def _batch_identity_key(self, order_ids, today):
        digest = hashlib.sha256(",".join(map(str, sorted(order_ids))).encode()).hexdigest()
        return f"{IDENTITY_KEY_PREFIX}{today.isoformat()}:{digest}"

    @api.model
    def _enqueue_batch(self, order_ids, today):
        """One job for the batch, unless a job of the same orders and date is waiting or running (a
        second cron run, or another server's cron at the same moment). Returns whether it was enqueued."""
        identity_key = self._batch_identity_key(order_ids, today)
        description = self.env._(
            "Recurring invoices of %(count)s orders due on %(date)s", count=len(order_ids), date=today
        )
        delayed = self.with_delay(description=description, identity_key=identity_key)
        if enqueue_once(self.env, identity_key, lambda: delayed._job_generate_batch(order_ids, today)):
            return True
        _logger.info("Recurring invoices: a job of the same %s orders is already queued", len(order_ids))
        return False

    @api.model
    def _job_generate_batch(self, order_ids, today):
        """The job: the batch path of the cron (row locks, savepoint per order, failures stored on the
        orders) in the job's transaction. A transient error is raised, so queue_job rolls back and runs
        the job again later; a worker killed mid-job commits nothing and the job is requeued."""
        invoices, failures = self._run_batch(order_ids, today, commit=False)
        return self.env._(
            "%(invoices)s invoices generated, %(failures)s orders failed",
            invoices=len(invoices),
            failures=len(failures),
        )
