"""Two generation workers at once, each with its own cursor and real commits, create each invoice once."""

import threading

from freezegun import freeze_time

from odoo import SUPERUSER_ID, api
from odoo.addons.consumption_billing.tests.concurrency import ConcurrentTransactionCase
from odoo.fields import Command
from odoo.sql_db import Cursor
from odoo.tests import tagged

ORDER_COUNT = 16
DUE_MONTHS = 3


@tagged("post_install", "-at_install")
class TestRecurringConcurrency(ConcurrentTransactionCase):
    """Data is committed through separate cursors (the test's own transaction is invisible to them) and
    removed at the end, whatever happens."""

    def setUp(self):
        super().setUp()
        self.order_ids = []
        self.partner_id = self.product_id = None
        self.addCleanup(self._remove_committed_data)
        with self.registry.cursor() as cr:
            self.assertIsInstance(cr, Cursor, "the workers need real, independent transactions")
            env = api.Environment(cr, SUPERUSER_ID, {})
            partner = env["res.partner"].create({"name": "Concurrent Customer", "email": "c@example.com"})
            product = env["product.product"].create(
                {
                    "name": "Concurrent Subscription",
                    "type": "service",
                    "list_price": 10.0,
                    "invoice_policy": "order",
                }
            )
            orders = env["sale.order"].create(
                [
                    {
                        "partner_id": partner.id,
                        "order_line": [
                            Command.create({"product_id": product.id, "product_uom_qty": index + 1})
                        ],
                        "recurrence_enabled": True,
                        "recurrence_frequency": "monthly",
                        "recurrence_date_start": "2026-01-01",
                        "recurrence_invoice_state": "posted",
                    }
                    for index in range(ORDER_COUNT)
                ]
            )
            orders.action_confirm()
            self.partner_id, self.product_id, self.order_ids = partner.id, product.id, orders.ids

    def _remove_committed_data(self):
        with self.registry.cursor() as cr:
            cr.execute("SELECT id FROM account_move WHERE recurring_order_id = ANY(%s)", [self.order_ids])
            move_ids = [row[0] for row in cr.fetchall()]
            # Posted invoices cannot be deleted through the ORM (their numbers are part of a chain).
            cr.execute(
                "DELETE FROM mail_message WHERE model = 'account.move' AND res_id = ANY(%s)", [move_ids]
            )
            cr.execute("DELETE FROM account_move WHERE id = ANY(%s)", [move_ids])
            env = api.Environment(cr, SUPERUSER_ID, {})
            orders = env["sale.order"].browse(self.order_ids).exists()
            orders.write({"state": "cancel"})
            orders.unlink()
            env["product.product"].browse(self.product_id).exists().unlink()
            env["res.partner"].browse(self.partner_id).exists().unlink()

    def _worker(self, barrier, results, name):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            barrier.wait()
            try:
                invoices, failures = (
                    env["sale.order"]
                    .browse(self.order_ids)
                    ._generate_recurring_invoices(batch_size=3, commit=True)
                )
                results[name] = (invoices.ids, {order.id: error for order, error in failures.items()})
            except Exception as error:
                results[name] = error

    @freeze_time("2026-03-15")
    def test_two_workers_create_each_invoice_once(self):
        barrier = threading.Barrier(2)
        results = {}
        threads = [
            threading.Thread(target=self._worker, args=(barrier, results, name))
            for name in ("first", "second")
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)

        for name in ("first", "second"):
            self.assertIsInstance(results.get(name), tuple, f"worker {name} failed: {results.get(name)!r}")
        (first_ids, first_failures), (second_ids, second_failures) = results["first"], results["second"]
        self.assertEqual(first_failures, {})
        self.assertEqual(second_failures, {})
        self.assertFalse(set(first_ids) & set(second_ids), "no invoice is reported by both workers")
        self.assertEqual(len(first_ids) + len(second_ids), ORDER_COUNT * DUE_MONTHS)

        with self.registry.cursor() as cr:
            cr.execute(
                """
                SELECT recurring_order_id, recurring_period_start, count(*), sum(amount_untaxed)
                  FROM account_move
                 WHERE recurring_order_id = ANY(%s) AND state = 'posted'
              GROUP BY recurring_order_id, recurring_period_start
                """,
                [self.order_ids],
            )
            rows = cr.fetchall()
        self.assertEqual(len(rows), ORDER_COUNT * DUE_MONTHS, "every order and month has an invoice")
        self.assertEqual({count for _order, _period, count, _amount in rows}, {1}, "and only one")
        amounts = {order_id: amount for order_id, _period, _count, amount in rows}
        self.assertEqual(
            [amounts[order_id] for order_id in self.order_ids],
            [10.0 * (index + 1) for index in range(ORDER_COUNT)],
        )
