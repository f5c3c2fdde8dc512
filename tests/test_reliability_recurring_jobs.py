"""Recurring generation spread over the workers of real Odoo servers by queue_job's job runner.

Each test works on databases of its own (copies of the pristine test database, where setup/test installed
the recurring_orders_queue_job bridge), with real commits, real prefork workers and the real job runner.
"""

import os
import signal
import time
from unittest import TestCase

from . import processes
from .test_reliability_recurring import ACTIVE_RECURRING_INVOICES, INVOICE_SNAPSHOT

KEY_PREFIX = "recurring_invoicing:"


def _set_batch_size(database, size):
    processes.query_commit(
        database,
        "UPDATE ir_config_parameter SET value = %s WHERE key = 'recurring_orders_queue_job.batch_size'",
        [str(size)],
    )


def _job_states(database):
    return processes.job_states(database, KEY_PREFIX)


def _wait_for_jobs(database, count, timeout=600):
    return processes.wait_for_jobs(database, KEY_PREFIX, count, timeout)


class TestRecurringJobsProcesses(TestCase):
    def assert_each_order_invoiced_once(self, database, orders):
        # The seeded orders' invoices: the demo's recurring orders have invoices of their own.
        rows = processes.query(database, ACTIVE_RECURRING_INVOICES)
        self.assertEqual(len(rows), orders, "one invoice per order and period")
        self.assertEqual({count for _order, _period, count in rows}, {1}, "no duplicate invoice")

    def test_two_workers_and_the_job_runner_generate_1000_orders(self):
        with processes.database_copy("jobs_1000") as database:
            processes.run_script(database, "seed_recurring.py", "--orders", 1000)
            with processes.odoo_server(database, workers=2, job_runner=True):
                planned = processes.run_script(database, "run_recurring_cron.py")
                self.assertEqual(planned["invoices"], 0, "the cron only plans")
                self.assertEqual(sum(_job_states(database).values()), 10, "one job per 100 orders")
                _wait_for_jobs(database, 10)

                self.assert_each_order_invoiced_once(database, 1000)
                self.assertEqual(
                    processes.query(database, "SELECT count(DISTINCT worker_pid) FROM queue_job")[0][0],
                    2,
                    "both workers ran jobs",
                )
                # A third run (after the cron and its jobs) finds nothing due: no job, no invoice.
                processes.run_script(database, "run_recurring_cron.py")
                self.assertEqual(_job_states(database), {"done": 10})
                self.assert_each_order_invoiced_once(database, 1000)

    def test_worker_killed_mid_job_then_requeued_equals_an_uninterrupted_run(self):
        with processes.database_copy("jobs_kill_seed") as seeded:
            processes.run_script(seeded, "seed_recurring.py", "--orders", 300, "--consumption", 2)
            _set_batch_size(seeded, 50)
            with (
                processes.database_copy("jobs_kill_ref", source=seeded) as reference,
                processes.database_copy("jobs_kill_cut", source=seeded) as interrupted,
            ):
                processes.run_script(reference, "generate_recurring.py")

                with processes.odoo_server(interrupted, workers=2, job_runner=True):
                    processes.run_script(interrupted, "run_recurring_cron.py")
                    deadline = time.monotonic() + 300
                    started = []
                    while not started and time.monotonic() < deadline:
                        started = processes.query(
                            interrupted,
                            """SELECT uuid, worker_pid FROM queue_job
                                WHERE state = 'started' AND worker_pid IS NOT NULL LIMIT 1""",
                        )
                        time.sleep(0.05)
                    self.assertTrue(started, "a job started")
                    uuid, worker_pid = started[0]
                    os.kill(worker_pid, signal.SIGKILL)

                    states = _wait_for_jobs(interrupted, 6)
                    self.assertEqual(states, {"done": 6})
                    retry = "SELECT retry FROM queue_job WHERE uuid = %s"
                    (retries,) = processes.query(interrupted, retry, [uuid])
                    self.assertGreaterEqual(retries[0], 1, "the killed job was requeued and run again")

                self.assert_each_order_invoiced_once(interrupted, 300)
                self.assertEqual(
                    processes.query(interrupted, INVOICE_SNAPSHOT),
                    processes.query(reference, INVOICE_SNAPSHOT),
                )

    def test_two_servers_running_the_cron_at_once_enqueue_and_generate_each_batch_once(self):
        with processes.database_copy("jobs_two_servers") as database:
            processes.run_script(database, "seed_recurring.py", "--orders", 300)
            _set_batch_size(database, 25)
            # One job runner (queue_job allows one per database), on the first server. The cron of each
            # server runs at the same moment, bypassing Odoo's cron lock (run_recurring_cron.py), as when
            # two servers' cron workers both took the job.
            with (
                processes.odoo_server(database, workers=2, job_runner=True),
                processes.odoo_server(database, workers=2),
            ):
                at = time.time() + 8
                crons = [processes.start_script(database, "run_recurring_cron.py", "--at", at) for _ in "ab"]
                for cron in crons:
                    processes.finish(cron)
                self.assertEqual(
                    processes.query(
                        database,
                        """SELECT count(*), count(DISTINCT identity_key) FROM queue_job
                            WHERE identity_key LIKE 'recurring_invoicing:%'""",
                    ),
                    [(12, 12)],
                    "each batch of 25 orders enqueued once",
                )
                _wait_for_jobs(database, 12)
            self.assert_each_order_invoiced_once(database, 300)
