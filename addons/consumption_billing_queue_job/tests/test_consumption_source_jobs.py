from datetime import timedelta
from unittest.mock import patch

import psycopg2.errors

from odoo import fields
from odoo.addons.consumption_billing.tests.test_consumption_source import ConsumptionSourceCase
from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.tests import tagged
from odoo.tools import mute_logger

KEY_PREFIX = "consumption_source_run:"


@tagged("post_install", "-at_install")
class TestConsumptionSourceJobs(ConsumptionSourceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Source.search([]).active = False  # only this test's sources are due

    def setUp(self):
        super().setUp()
        self.server.serve("/usage", self.rows("A1", "A2"))
        self.server.serve("/other", self.rows("B1", partner="CUST-BETA", quantity=4))
        self.working = self.make_source(name="Meters")
        self.other = self.make_source("/other", name="Switch")
        self.broken = self.make_source("/missing", name="Broken")
        self.not_due = self.make_source(name="Ran a minute ago")
        self.not_due.last_run_at = fields.Datetime.now() - timedelta(minutes=1)
        self.due = self.working | self.other | self.broken

    def outcome(self):
        """What the runs of the due sources gave, without ids or timings."""
        records = self.Record.search([("external_ref", "in", ["A1", "A2", "B1"])], order="external_ref")
        runs = (self.due | self.not_due).run_ids.sorted(lambda run: run.source_id.id)
        return (
            [
                (rec.external_ref, rec.partner_id, rec.product_id, rec.quantity, rec.create_uid)
                for rec in records
            ],
            [(run.source_id.id, run.state, run.rows_read, run.rows_created, run.units) for run in runs],
        )

    def perform(self, jobs):
        """Run jobs as queue_job does with commits allowed: each in a cursor of its own (sharing the
        test's transaction here)."""
        with self.enter_registry_test_mode():
            for job in jobs:
                job.perform()

    def planned_jobs(self):
        return self.env["queue.job"].search([("identity_key", "=like", f"{KEY_PREFIX}%")], order="id")

    def test_cron_enqueues_one_job_per_due_source_and_the_jobs_run_as_the_cron(self):
        with self.env.cr.savepoint() as savepoint:
            self.Source._run_due_sources()
            self.env.flush_all()
            direct = self.outcome()
            savepoint.close(rollback=True)
        self.env.invalidate_all()
        self.assertEqual(len(direct[0]), 3, "the direct path recorded the rows of both feeds")

        with trap_jobs() as trap:
            self.Source._cron_fetch()

        self.assertFalse((self.due | self.not_due).run_ids, "the cron fetched nothing itself")
        trap.assert_jobs_count(3)
        self.assertEqual([call.method.__self__ for call in trap.calls], list(self.due))
        self.assertEqual([call.args for call in trap.calls], [(False,)] * 3)
        self.assertEqual(
            [call.properties["identity_key"] for call in trap.calls],
            [f"{KEY_PREFIX}{source.id}:first" for source in self.due],
        )
        self.assertEqual({job.channel for job in trap.enqueued_jobs}, {"root.consumption_sources"})

        jobs = trap.enqueued_jobs
        self.perform(jobs)
        self.assertEqual(self.outcome(), direct)
        self.assertRecordValues(
            self.due.run_ids.sorted(lambda run: run.source_id.id),
            [
                {"source_id": self.working.id, "state": "done", "rows_created": 2},
                {"source_id": self.other.id, "state": "done", "rows_created": 1},
                {"source_id": self.broken.id, "state": "failed", "rows_created": 0},
            ],
        )
        self.assertEqual(jobs[0].result, "2 records created, 0 already recorded.")
        self.assertRegex(jobs[2].result, r"^Run failed: .*HTTP 404")
        self.assertTrue(self.broken.activity_ids, "the responsible is told, as by the cron")

        with trap_jobs() as trap:
            self.Source._cron_fetch()
        trap.assert_jobs_count(0)

    def test_second_cron_enqueues_nothing_while_the_run_waits_or_runs(self):
        (self.other | self.broken).active = False
        self.Source._cron_fetch()
        job = self.planned_jobs()
        self.assertRecordValues(
            job,
            [
                {
                    "identity_key": f"{KEY_PREFIX}{self.working.id}:first",
                    "state": "pending",
                    "channel": "root.consumption_sources",
                }
            ],
        )
        self.Source._cron_fetch()
        self.assertEqual(self.planned_jobs(), job, "queue_job found the waiting job")

        self.env.cr.execute("UPDATE queue_job SET state = 'started' WHERE id = %s", [job.id])
        self.Source._cron_fetch()
        self.assertEqual(self.planned_jobs(), job, "a running job is not enqueued again")
        # Two plannings at the same moment both find no job: the unique index refuses the second one.
        delayed = self.working.with_delay(identity_key=job.identity_key)
        with (
            self.assertRaises(psycopg2.errors.UniqueViolation),
            self.env.cr.savepoint(),
            mute_logger("odoo.sql_db"),
        ):
            delayed._job_fetch(False)

        self.perform([Job.load(self.env, job.uuid)])
        self.assertRecordValues(self.working.run_ids, [{"state": "done", "rows_created": 2}])
        self.env.cr.execute("UPDATE queue_job SET state = 'done' WHERE id = %s", [job.id])
        self.Source._cron_fetch()
        self.assertEqual(self.planned_jobs(), job, "not due again before its interval")

        # Later (the interval is one hour), the next run is due: a new job of its own moment.
        self.working.last_run_at -= timedelta(hours=2)
        self.Source._cron_fetch()
        self.assertRecordValues(
            self.planned_jobs() - job,
            [{"identity_key": f"{KEY_PREFIX}{self.working.id}:{self.working.next_run_at.isoformat()}"}],
        )

    def test_job_of_a_source_run_since_or_archived_fetches_nothing(self):
        with trap_jobs() as trap:
            self.Source._cron_fetch()
        self.working.action_run()  # Fetch now, before the job runs
        self.other.active = False
        self.perform(trap.enqueued_jobs)
        self.assertEqual(len(self.working.run_ids), 1, "one run, by Fetch now")
        self.assertFalse(self.other.run_ids)
        self.assertEqual(len(self.broken.run_ids), 1)
        self.assertEqual(self.Record.search_count([("external_ref", "in", ["A1", "A2"])]), 2)

    def test_job_logs_an_error_as_the_cron_and_lets_a_concurrent_update_through(self):
        (self.other | self.broken).active = False
        with trap_jobs() as trap:
            self.Source._cron_fetch()
        (job,) = trap.enqueued_jobs
        Source = self.registry["consumption.source"]
        conflict = psycopg2.errors.SerializationFailure("concurrent update")
        with patch.object(Source, "_run", side_effect=conflict), self.assertRaises(type(conflict)):
            self.perform([job])
        self.assertFalse(self.working.run_ids, "queue_job rolls back and runs the job again later")

        with (
            patch.object(Source, "_run", side_effect=RuntimeError("parser crashed")),
            mute_logger("odoo.addons.consumption_billing_queue_job.models.consumption_source"),
        ):
            self.perform([job])
        self.assertEqual(job.result, "Run failed: parser crashed")
        self.assertRecordValues(
            self.working.run_ids, [{"state": "failed", "error_message": "parser crashed"}]
        )
        self.assertEqual(self.working.activity_ids.user_id, self.consumption_manager)
