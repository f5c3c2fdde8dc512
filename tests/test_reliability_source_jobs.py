"""Consumption sources fetched by queue_job jobs on the workers of a real Odoo server
(consumption_billing_queue_job): the scheduled action only plans, the job runner hands one job per due
source to the workers, each job commits batch by batch as the action does; a worker killed mid-file.

Each test works on a copy of the pristine test database, where setup/test installed the bridge.
"""

import os
import signal
import time

from . import processes
from .test_reliability_sources import SourcesProcessCase, _records, _write_cdr

KEY_PREFIX = "consumption_source_run:"
# A job runs in an HTTP worker, under its time limits: long enough for the longest file of these tests.
LIMITS = ("--limit-time-cpu=900", "--limit-time-real=1800")
RUNS = "SELECT source_id, state, rows_created, error_message FROM consumption_source_run ORDER BY id"


class TestConsumptionSourceJobsProcesses(SourcesProcessCase):
    def test_the_job_runner_fetches_each_due_source_once_with_the_actions_commits(self):
        with processes.database_copy("source_jobs") as database:
            sources = self.prepare(database)
            self.drop_big_and_bad_files()
            with processes.odoo_server(database, workers=2, job_runner=True, options=LIMITS):
                planned = processes.run_script(database, "consumption_sources.py", "--action", "cron")
                self.assertEqual(planned["runs"], [], "the scheduled action only plans")
                self.assertEqual(
                    sum(processes.job_states(database, KEY_PREFIX).values()), 2, "one per source"
                )
                self.assertEqual(processes.wait_for_jobs(database, KEY_PREFIX, 2), {"done": 2})
            self.assert_big_and_bad_files_run(database, sources, processes.query(database, RUNS))

    def test_worker_killed_mid_file_then_requeued_records_each_row_once(self):
        with processes.database_copy("source_jobs_kill") as database:
            self.prepare(database)
            _write_cdr(self.folder / "cdr_huge.csv", 200_000)
            with processes.odoo_server(database, workers=2, job_runner=True, options=LIMITS):
                processes.run_script(database, "consumption_sources.py", "--action", "cron")
                deadline = time.monotonic() + 300
                while _records(database, "cdr_huge.csv")[0] < 20_000:
                    self.assertLess(time.monotonic(), deadline, "no batch was committed in time")
                    time.sleep(0.1)
                ((uuid, worker_pid),) = processes.query(
                    database,
                    """SELECT uuid, worker_pid FROM queue_job
                        WHERE state = 'started' AND identity_key LIKE %s AND name LIKE %s""",
                    [f"{KEY_PREFIX}%", "%CDR files%"],
                )
                os.kill(worker_pid, signal.SIGKILL)
                committed = _records(database, "cdr_huge.csv")[0]
                self.assertLess(committed, 200_000, "killed before the end of the file")
                self.assertTrue(
                    (self.folder / "cdr_huge.csv").exists(), "a file is moved only once all of it is in"
                )

                self.assertEqual(processes.wait_for_jobs(database, KEY_PREFIX, 2), {"done": 2})
                (retries,) = processes.query(database, "SELECT retry FROM queue_job WHERE uuid = %s", [uuid])
                self.assertGreaterEqual(retries[0], 2, "the killed job was requeued and run again")

            self.assertEqual(_records(database, "cdr_huge.csv"), (200_000, 200_000))
            self.assertTrue((self.folder / "done" / "cdr_huge.csv").exists())
