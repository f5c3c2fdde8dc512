import datetime
import logging

from freezegun import freeze_time
from psycopg2 import OperationalError
from psycopg2.errors import UniqueViolation

from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.recurring_orders.tests.common import RecurringOrdersCase
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY
from odoo.sql_db import db_connect
from odoo.tests import tagged
from odoo.tools import mute_logger

D = datetime.date
KEY_PREFIX = "recurring_invoicing:"
GENERATOR_LOGGER = "odoo.addons.recurring_orders_queue_job.models.recurring_invoice_generator"


@tagged("post_install", "-at_install")
@freeze_time("2026-01-01")
class TestRecurringJobs(RecurringOrdersCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Only this test's orders are due on 2026-01-01: other orders would make more batches. The demo order
        # (committed when the database was made) is left untouched: the test transaction must not hold its
        # row lock (see the concurrent update test).
        demo_order = cls.env.ref("recurring_orders.demo_order_maintenance", raise_if_not_found=False)
        cls.demo_order = demo_order or cls.env["sale.order"]
        others = cls.env["sale.order"].search([("recurrence_enabled", "=", True)]) - cls.demo_order
        others.write({"recurrence_enabled": False})
        cls.env["ir.config_parameter"].set_param("recurring_orders_queue_job.batch_size", "2")
        cls.generator = cls.env["recurring.invoice.generator"]

    def setUp(self):
        super().setUp()
        self.orders = self.env["sale.order"].concat(*(self._create_order() for _index in range(5)))

    def _run_cron(self):
        """What the cron runs (``_cron_generate_recurring_invoices``), without its commits."""
        self.env["sale.order"].with_context(recurring_invoicing_as_jobs=True)._generate_recurring_invoices()

    def _planned_jobs(self):
        return self.env["queue.job"].search([("identity_key", "=like", f"{KEY_PREFIX}%")], order="id")

    def _assert_first_batch_already_queued(self):
        # logging.INFO, not "INFO": Odoo names its level 25 "INFO" too.
        with self.assertLogs(GENERATOR_LOGGER, logging.INFO) as logs:
            self.assertFalse(self.generator._enqueue_batch(self.orders[0:2].ids, D(2026, 1, 1)))
        self.assertEqual(
            logs.output,
            [f"INFO:{GENERATOR_LOGGER}:Recurring invoices: a job of the same 2 orders is already queued"],
        )

    def test_cron_enqueues_one_job_per_batch_and_the_jobs_generate(self):
        with trap_jobs() as trap:
            self._run_cron()

        self.assertFalse(self.orders.recurrence_invoice_ids, "the cron generated nothing itself")
        trap.assert_jobs_count(3, only=self.generator._job_generate_batch)
        batches = [self.orders[0:2].ids, self.orders[2:4].ids, self.orders[4:].ids]
        self.assertEqual([call.args for call in trap.calls], [(batch, D(2026, 1, 1)) for batch in batches])
        for call, batch in zip(trap.calls, batches, strict=True):
            self.assertEqual(
                call.properties["identity_key"], self.generator._batch_identity_key(batch, D(2026, 1, 1))
            )
        self.assertEqual(len({call.properties["identity_key"] for call in trap.calls}), 3)
        self.assertEqual({job.channel for job in trap.enqueued_jobs}, {"root.recurring_invoicing"})

        for call in trap.calls:
            self.generator._job_generate_batch(*call.args)

        self.assertRecordValues(
            self.orders.recurrence_invoice_ids.sorted(lambda move: move.recurring_order_id.id),
            [
                {"recurring_order_id": order.id, "recurring_period_start": D(2026, 1, 1), "state": "posted"}
                for order in self.orders
            ],
        )
        self.assertTrue(all(order.recurrence_next_date == D(2026, 2, 1) for order in self.orders))
        with trap_jobs() as trap:
            self._run_cron()
        trap.assert_jobs_count(0)

    def test_second_cron_run_enqueues_nothing_while_the_batches_wait_or_run(self):
        self._run_cron()
        jobs = self._planned_jobs()
        self.assertEqual(len(jobs), 3)
        self.assertEqual(set(jobs.mapped("state")), {"pending"})

        self._run_cron()
        self.assertEqual(self._planned_jobs(), jobs, "queue_job found the waiting jobs")
        self._assert_first_batch_already_queued()

        # Jobs running on workers are not looked for by queue_job, but are by enqueue_once().
        self.env.cr.execute("UPDATE queue_job SET state = 'started' WHERE id = ANY(%s)", [jobs.ids])
        self._run_cron()
        self.assertEqual(self._planned_jobs(), jobs)
        self._assert_first_batch_already_queued()
        # Two plannings at the same moment both find no job: the unique index refuses the second one.
        delayed = self.generator.with_delay(identity_key=jobs[0].identity_key)
        with self.assertRaises(UniqueViolation), self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
            delayed._job_generate_batch(self.orders[0:2].ids, D(2026, 1, 1))
        self.assertFalse(self.orders.recurrence_invoice_ids)

        for job in jobs:
            Job.load(self.env, job.uuid).perform()
        self.env.invalidate_all()
        self.assertEqual(len(self.orders.recurrence_invoice_ids), 5)
        self.env.cr.execute("UPDATE queue_job SET state = 'done' WHERE id = ANY(%s)", [jobs.ids])
        self._run_cron()
        self.assertEqual(self._planned_jobs(), jobs, "nothing is due any more")

    def test_job_opens_the_orders_of_its_batch(self):
        self._run_cron()
        action = self._planned_jobs()[-1].open_related_action()
        self.assertEqual(action["res_model"], "sale.order")
        self.assertEqual(self.env["sale.order"].search(action["domain"]), self.orders[4])

    def test_button_generates_itself_whatever_the_context(self):
        order = self.orders[0].with_context(recurring_invoicing_as_jobs=True)
        with trap_jobs() as trap:
            order.action_generate_due_invoices()
        trap.assert_jobs_count(0)
        self.assertEqual(len(order.recurrence_invoice_ids), 1)

    def test_job_hit_by_a_concurrent_update_is_left_to_queue_job_to_retry(self):
        """Another transaction commits an update of an order after the job's snapshot: locking it raises a
        serialization failure, which the job lets through (queue_job rolls back and runs it again later)
        instead of swallowing it, and nothing of the batch is written."""
        order = self.demo_order
        if not order:
            self.skipTest("needs recurring_orders' demo order: an order committed before this transaction")
        invoices_before = order.recurrence_invoice_ids
        due_date = order.recurrence_next_date
        self.env.cr.execute("SELECT 1")  # the snapshot of this transaction is taken
        with db_connect(self.env.cr.dbname).cursor() as other:
            other.execute("UPDATE sale_order SET write_date = write_date WHERE id = %s", [order.id])
            other.commit()
        with self.assertRaises(OperationalError) as caught, self.env.cr.savepoint():
            self.generator._job_generate_batch(order.ids, due_date)
        self.assertIn(caught.exception.pgcode, PG_CONCURRENCY_ERRORS_TO_RETRY)
        self.assertEqual(order.recurrence_invoice_ids, invoices_before)
