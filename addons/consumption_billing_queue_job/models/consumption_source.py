import logging

from odoo import api, fields, models
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from .queue_job import SOURCE_KEY_PREFIX, enqueue_once

_logger = logging.getLogger(__name__)


class ConsumptionSource(models.Model):
    _inherit = "consumption.source"

    @api.model
    def _cron_fetch(self):
        """The scheduled action only plans: one job per due source run, on ``root.consumption_sources``.
        The direct path (``_run_due_sources``) stays for callers that want the runs done at once."""
        sources = (
            self.sudo().with_context(active_test=True).search(self._due_domain(), order="next_run_at, id")
        )
        queued = sum(source._enqueue_fetch() for source in sources)
        _logger.info("Consumption sources: %s of %s due runs enqueued", queued, len(sources))

    def _fetch_identity_key(self):
        """The source and the moment its run is due (``first`` before its first run): a run is enqueued
        once, however many crons plan it before it is done."""
        self.ensure_one()
        moment = self.next_run_at.isoformat() if self.next_run_at else "first"
        return f"{SOURCE_KEY_PREFIX}{self.id}:{moment}"

    def _enqueue_fetch(self):
        """One job for the due run of this source, unless one is waiting or running. Returns whether it
        was enqueued."""
        self.ensure_one()
        identity_key = self._fetch_identity_key()
        description = self.env._("Fetch the consumption source %(name)s", name=self.name)
        delayed = self.with_delay(description=description, identity_key=identity_key)
        return enqueue_once(self.env, identity_key, lambda: delayed._job_fetch(self.next_run_at))

    def _job_fetch(self, scheduled_at):
        """The job: the run of this source due at ``scheduled_at`` (False: its first run), by the path of
        the scheduled action, committing page by page and batch by batch (the job function allows commits:
        a job stopped midway resumes like the action, recording no row twice). A source run since (*Fetch
        now*, another job) or archived has nothing left to do. A failure is logged on the source as by the
        action; a concurrent update is raised, for queue_job to roll back and retry."""
        self.ensure_one()
        source = self.exists()
        if not source or not source.active or (source.next_run_at or False) != (scheduled_at or False):
            return self.env._("Nothing fetched: the source ran since this job was planned, or is archived.")
        try:
            run = source._run(commit=True)
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            # queue_job rolls the job back and runs it again later: no failed run is logged for it.
            raise
        except Exception as error:
            self.env.cr.rollback()
            _logger.exception("Consumption source %s could not run", source.id)
            run = source._log_run(fields.Datetime.now(), 0.0, {}, str(error) or type(error).__name__)
        if run.state == "failed":
            return self.env._("Run failed: %(error)s", error=run.error_message)
        return self.env._(
            "%(created)s records created, %(skipped)s already recorded.",
            created=run.rows_created,
            skipped=run.rows_skipped,
        )
