import threading
import uuid
from functools import partial

from odoo import SUPERUSER_ID, Command, api
from odoo.service.model import retrying
from odoo.tests import tagged

from .concurrency import ConcurrentTransactionCase


@tagged("post_install", "-at_install")
class TestConcurrentIngest(ConcurrentTransactionCase):
    """Two transactions ingesting overlapping rows at the same time, each on its own database cursor
    with real commits: every external reference ends up stored once, and the counts add up."""

    def setUp(self):
        super().setUp()
        self.prefix = f"CONCURRENT-{uuid.uuid4().hex[:8]}-"
        self.addCleanup(self._delete_committed_records)

    def _delete_committed_records(self):
        with self.registry.cursor() as cr:
            cr.execute("DELETE FROM consumption_record WHERE external_ref LIKE %s", [self.prefix + "%"])

    def _rows(self, numbers):
        partner = self.env.ref("base.res_partner_2")
        product = self.env.ref("consumption_billing.product_telephone_units")
        return [
            {
                "partner": partner.id,
                "product": product.default_code,
                "date": "2026-03-01",
                "quantity": 1 + n,
                "external_ref": f"{self.prefix}{n:04d}",
            }
            for n in numbers
        ]

    def _ingest_in_thread(self, rows, results, key, started, release):
        """One ingest() call as Odoo's RPC layer runs it: a transaction retried on serialization
        failures (the later of two transactions inserting the same reference gets one)."""

        def ingest_and_commit(env):
            results[key] = env["consumption.record"].ingest(rows)
            release.wait(timeout=30)
            env.cr.commit()

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            started.wait()
            retrying(partial(ingest_and_commit, env), env)

    def test_concurrent_duplicate_ingestion_leaves_one_record_per_reference(self):
        # The second call sends the first call's references in the opposite order plus new ones: the
        # inserts must neither duplicate nor deadlock.
        first_rows = self._rows(range(300))
        second_rows = self._rows(reversed(range(150, 450)))
        results = {}
        started, release_first = threading.Barrier(2), threading.Event()
        release_second = threading.Event()
        release_second.set()
        first = threading.Thread(
            target=self._ingest_in_thread, args=(first_rows, results, "first", started, release_first)
        )
        second = threading.Thread(
            target=self._ingest_in_thread, args=(second_rows, results, "second", started, release_second)
        )
        first.start()
        second.start()
        first.join(timeout=0.5)  # let the second call run into the first one's uncommitted rows
        release_first.set()
        first.join(timeout=60)
        second.join(timeout=60)
        self.assertFalse(first.is_alive() or second.is_alive(), "an ingest call is stuck")

        self.assertEqual(results["first"]["errors"] + results["second"]["errors"], [])
        created = results["first"]["created"] + results["second"]["created"]
        skipped = results["first"]["skipped"] + results["second"]["skipped"]
        self.assertEqual(created, 450, "each of the 450 distinct references is created once")
        self.assertEqual(skipped, 150, "the 150 shared references are skipped once")
        with self.registry.cursor() as cr:
            cr.execute(
                """SELECT count(*), count(DISTINCT external_ref) FROM consumption_record
                           WHERE external_ref LIKE %s""",
                [self.prefix + "%"],
            )
            self.assertEqual(cr.fetchone(), (450, 450))


@tagged("post_install", "-at_install")
class TestConcurrentBilling(ConcurrentTransactionCase):
    """Two transactions billing the same customer at the same time, each on its own cursor with real
    commits: every record ends up on exactly one document."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.customer_id = env["res.partner"].create({"name": f"Concurrent {uuid.uuid4().hex[:8]}"}).id
            product = env.ref("consumption_billing.product_telephone_units")
            self.record_ids = (
                env["consumption.record"]
                .create(
                    [
                        {
                            "partner_id": self.customer_id,
                            "product_id": product.id,
                            "date": "2026-03-01",
                            "quantity": 1 + n,
                        }
                        for n in range(60)
                    ]
                )
                .ids
            )
        self.addCleanup(self._delete_committed_data)

    def _delete_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["sale.order"].search([("partner_id", "=", self.customer_id)]).unlink()
            env["consumption.record"].browse(self.record_ids).unlink()
            env["res.partner"].browse(self.customer_id).unlink()

    def _bill_in_thread(self, results, key, started, release):
        """The order wizard's work, as the web client runs it: retried on serialization failures."""

        def bill_and_commit(env):
            engine = env["consumption.billing"]
            [lines] = engine._prepare_billing(
                [
                    {
                        "partner_id": self.customer_id,
                        "company_id": env.company.id,
                        "date_from": "2026-03-01",
                        "date_to": "2026-03-31",
                    }
                ]
            )
            if lines:
                env["sale.order"].with_context(**engine._engine_context()).create(
                    {
                        "partner_id": self.customer_id,
                        "order_line": [
                            Command.create(engine._prepare_sale_line_values(line)) for line in lines
                        ],
                    }
                )
            results[key] = sum(len(line["record_ids"]) for line in lines)
            release.wait(timeout=30)
            env.cr.commit()

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            started.wait()
            retrying(partial(bill_and_commit, env), env)

    def test_concurrent_billing_puts_each_record_on_one_document(self):
        results = {}
        started, release_first, release_second = threading.Barrier(2), threading.Event(), threading.Event()
        release_second.set()
        first = threading.Thread(target=self._bill_in_thread, args=(results, "first", started, release_first))
        second = threading.Thread(
            target=self._bill_in_thread, args=(results, "second", started, release_second)
        )
        first.start()
        second.start()
        first.join(timeout=0.5)  # the second biller runs into the first one's row locks
        release_first.set()
        first.join(timeout=60)
        second.join(timeout=60)
        self.assertFalse(first.is_alive() or second.is_alive(), "a biller is stuck")

        self.assertEqual(sorted(results.values()), [0, 60], "one biller took everything, the other nothing")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            orders = env["sale.order"].search([("partner_id", "=", self.customer_id)])
            self.assertEqual(len(orders), 1)
            records = env["consumption.record"].browse(self.record_ids)
            self.assertEqual(records.sale_line_id, orders.order_line)
            self.assertEqual(orders.order_line.product_uom_qty, sum(range(1, 61)))
