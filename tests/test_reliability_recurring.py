"""Recurring generation under concurrency and crashes, with real processes and real commits.

Each test works on databases of its own (copies of the pristine test database), never on the test
transaction: what one process commits is what another sees.
"""

import time
from datetime import timedelta
from unittest import TestCase

from . import processes

# The invoices of the seeded orders: seeding leaves them the only recurring ones (demo orders, with their
# invoices, are stopped).
SEEDED_INVOICES = "account_move m JOIN sale_order o ON o.id = m.recurring_order_id AND o.recurrence_enabled"

ACTIVE_RECURRING_INVOICES = f"""
    SELECT m.recurring_order_id, m.recurring_period_start, count(*)
      FROM {SEEDED_INVOICES}
     WHERE m.state != 'cancel'
  GROUP BY 1, 2
"""

# What an invoice run produced, independent of sequence numbers and ids (both differ between copies).
INVOICE_SENT = "SELECT state, COALESCE(is_move_sent, FALSE) FROM account_move WHERE recurring_order_id = %s"

INVOICE_SNAPSHOT = f"""
    SELECT o.name, m.recurring_period_start, m.recurring_period_end, m.invoice_date, m.invoice_subject,
           m.state, m.amount_untaxed, m.amount_total, m.partner_id
      FROM {SEEDED_INVOICES}
     WHERE m.state != 'cancel'
  ORDER BY 1, 2
"""

CONSUMPTION_LINKS = """
    SELECT r.external_ref, o.name, m.recurring_period_start, m.state
      FROM consumption_record r
      LEFT JOIN account_move_line l ON l.id = r.invoice_line_id
      LEFT JOIN account_move m ON m.id = l.move_id
      LEFT JOIN sale_order o ON o.id = m.recurring_order_id
     WHERE r.external_ref LIKE 'seed-%'
  ORDER BY 1
"""


def _invoice_count(database):
    return processes.query(
        database,
        f"SELECT count(*) FROM {SEEDED_INVOICES} WHERE m.state != 'cancel'",
    )[0][0]


def _generate_then_kill(database, after=50):
    """Start a generation, ``kill -9`` it once ``after`` invoices are committed; the invoices committed."""
    worker = processes.start_script(database, "generate_recurring.py", "--batch-size", 25)
    deadline = time.monotonic() + 300
    while _invoice_count(database) < after and worker.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    processes.kill_hard(worker)
    return _invoice_count(database)


class TestRecurringProcesses(TestCase):
    def assert_each_period_invoiced_once(self, database, orders, periods):
        rows = processes.query(database, ACTIVE_RECURRING_INVOICES)
        self.assertEqual(len(rows), orders * periods, "one invoice per order and period")
        self.assertEqual({count for _order, _period, count in rows}, {1}, "no duplicate invoice")

    def assert_consumption_billed_once(self, database, record_count):
        links = processes.query(database, CONSUMPTION_LINKS)
        self.assertEqual(len(links), record_count)
        self.assertEqual(
            [link for link in links if link[3] != "posted"], [], "every record on a posted invoice"
        )
        # The quantities on the consumption invoice lines are exactly the recorded ones: none counted twice.
        billed, recorded = processes.query(
            database,
            """SELECT (SELECT sum(l.quantity) FROM account_move_line l
                        WHERE EXISTS (SELECT 1 FROM consumption_record r
                                       WHERE r.invoice_line_id = l.id AND r.external_ref LIKE 'seed-%')),
                      (SELECT sum(quantity) FROM consumption_record WHERE external_ref LIKE 'seed-%')""",
        )[0]
        self.assertAlmostEqual(billed, recorded)

    def test_two_cron_workers_invoice_every_period_once(self):
        with processes.database_copy("two_workers") as database:
            seeded = processes.run_script(database, "seed_recurring.py", "--orders", 200, "--consumption", 3)
            workers = [
                processes.start_script(database, "generate_recurring.py", "--batch-size", 10)
                for _worker in range(2)
            ]
            results = [processes.finish(worker) for worker in workers]

            self.assertEqual(sum(result["invoices"] for result in results), 200)
            self.assertEqual(sum(result["failures"] for result in results), 0)
            self.assert_each_period_invoiced_once(database, orders=200, periods=1)
            self.assert_consumption_billed_once(database, seeded["record_count"])

            # A third run finds nothing left to do.
            self.assertEqual(processes.run_script(database, "generate_recurring.py")["invoices"], 0)

    def test_kill_9_mid_run_then_rerun_equals_an_uninterrupted_run(self):
        with processes.database_copy("kill_seed") as seeded:
            processes.run_script(seeded, "seed_recurring.py", "--orders", 500, "--consumption", 2)
            with (
                processes.database_copy("kill_ref", source=seeded) as reference,
                processes.database_copy("kill_cut", source=seeded) as interrupted,
            ):
                processes.run_script(reference, "generate_recurring.py", "--batch-size", 25)

                committed_before_kill = _generate_then_kill(interrupted)
                self.assertGreater(committed_before_kill, 0, "some batches were committed before the kill")
                self.assertLess(committed_before_kill, 500, "the run was killed before its end")

                processes.run_script(interrupted, "generate_recurring.py", "--batch-size", 25)

                self.assert_each_period_invoiced_once(interrupted, orders=500, periods=1)
                self.assertEqual(
                    processes.query(interrupted, INVOICE_SNAPSHOT),
                    processes.query(reference, INVOICE_SNAPSHOT),
                )
                self.assertEqual(
                    processes.query(interrupted, CONSUMPTION_LINKS),
                    processes.query(reference, CONSUMPTION_LINKS),
                )

    def test_downtime_of_three_months_is_caught_up_with_each_period_dates_and_subject(self):
        with processes.database_copy("downtime") as database:
            processes.run_script(database, "seed_recurring.py", "--orders", 20, "--months-due", 3)
            result = processes.run_script(database, "generate_recurring.py")
            self.assertEqual(result["invoices"], 60)
            self.assert_each_period_invoiced_once(database, orders=20, periods=3)
            periods = processes.query(
                database,
                f"""SELECT DISTINCT m.recurring_period_start, m.recurring_period_end, m.invoice_date,
                           m.invoice_subject
                      FROM {SEEDED_INVOICES} ORDER BY 1""",
            )
            self.assertEqual(len(periods), 3, "three distinct periods, each with its own dates and subject")
            for period_start, period_end, invoice_date, subject in periods:
                self.assertEqual(period_start.day, 1)
                self.assertEqual((period_end + timedelta(days=1)).day, 1)
                self.assertEqual(invoice_date, period_start, "generated on the period start date")
                self.assertEqual(subject, f"Subscription {period_start:%B} {period_start:%Y}")

    def test_bad_orders_do_not_stop_the_others_and_are_generated_once_fixed(self):
        """Three bad orders in a batch of 100, one of each kind: an archived customer, a retired
        product whose income account was archived, an emailed invoice whose customer has no email."""
        with processes.database_copy("bad_order") as database:
            seeded = processes.run_script(database, "seed_recurring.py", "--orders", 100)
            bad = seeded["order_ids"][:3]
            archived_customer, retired_account, no_email = bad
            processes.run_script(database, "bad_orders.py", "--action", "break", "--orders", *bad)

            result = processes.run_script(database, "generate_recurring.py", "--batch-size", 10)

            # 97 good orders and the one whose invoice could not be sent (generated and posted).
            self.assertEqual((result["invoices"], result["failures"]), (98, 3))
            errors = dict(
                processes.query(
                    database,
                    "SELECT id, recurrence_last_error FROM sale_order WHERE id = ANY(%s)",
                    [bad],
                )
            )
            self.assertIn("archived", errors[archived_customer].lower())
            self.assertIn("retired services (retired1) is archived", errors[retired_account].lower())
            self.assertIn("no email address", errors[no_email].lower())
            noted = processes.query(
                database,
                "SELECT res_id, count(*) FROM mail_message WHERE model = 'sale.order' AND res_id = ANY(%s)"
                " AND body ILIKE %s GROUP BY res_id",
                [bad, "%generation failed%"],
            )
            self.assertEqual(dict(noted), dict.fromkeys(bad, 1), "each failure logged on its order's chatter")
            rows = processes.run_script(database, "bad_orders.py", "--action", "dashboard", "--orders", *bad)
            self.assertEqual(
                {int(order_id) for order_id, row in rows["rows"].items() if row["has_generation_error"]},
                set(bad),
                "the dashboard shows the three failures",
            )
            self.assertEqual(processes.query(database, INVOICE_SENT, [no_email]), [("posted", False)])

            processes.run_script(database, "bad_orders.py", "--action", "fix", "--orders", *bad)
            result = processes.run_script(database, "generate_recurring.py")

            self.assertEqual((result["invoices"], result["failures"]), (2, 0))
            self.assert_each_period_invoiced_once(database, orders=100, periods=1)
            self.assertEqual(
                processes.query(database, INVOICE_SENT, [no_email]),
                [("posted", True)],
                "the invoice that could not be sent is sent once the address is there",
            )
            self.assertEqual(
                processes.query(
                    database,
                    "SELECT count(*) FROM sale_order"
                    " WHERE id = ANY(%s) AND recurrence_last_error IS NOT NULL",
                    [bad],
                ),
                [(0,)],
            )
            rows = processes.run_script(database, "bad_orders.py", "--action", "dashboard", "--orders", *bad)
            self.assertFalse([row for row in rows["rows"].values() if row["has_generation_error"]])

    def test_prorated_and_anniversary_orders_keep_the_kill_9_and_two_worker_guarantees(self):
        """Orders prorating their partial periods, half of them with anniversary periods: two workers, and
        a run killed mid-way then run again, each bill every period once, as an uninterrupted run does."""
        with processes.database_copy("prorated_seed") as seeded:
            processes.run_script(seeded, "seed_recurring.py", "--orders", 300, "--prorated")
            with (
                processes.database_copy("prorated_ref", source=seeded) as reference,
                processes.database_copy("prorated_cut", source=seeded) as interrupted,
                processes.database_copy("prorated_two", source=seeded) as two_workers,
            ):
                processes.run_script(reference, "generate_recurring.py", "--batch-size", 25)
                self.assert_each_period_invoiced_once(reference, orders=300, periods=2)
                billed_days = processes.query(
                    reference,
                    f"""SELECT count(*) FILTER (WHERE m.recurring_period_start = o.recurrence_date_start),
                              count(*) FILTER (WHERE m.recurring_period_end = o.recurrence_date_end)
                         FROM {SEEDED_INVOICES}""",
                )[0]
                self.assertEqual(billed_days, (300, 300), "each order billed from its start to its end day")

                self.assertLess(_generate_then_kill(interrupted), 600, "the run was killed before its end")
                processes.run_script(interrupted, "generate_recurring.py", "--batch-size", 25)

                workers = [
                    processes.start_script(two_workers, "generate_recurring.py", "--batch-size", 10)
                    for _worker in range(2)
                ]
                results = [processes.finish(worker) for worker in workers]
                self.assertEqual(sum(result["invoices"] for result in results), 600)
                self.assertEqual(sum(result["failures"] for result in results), 0)

                for database in (interrupted, two_workers):
                    self.assert_each_period_invoiced_once(database, orders=300, periods=2)
                    self.assertEqual(
                        processes.query(database, INVOICE_SNAPSHOT),
                        processes.query(reference, INVOICE_SNAPSHOT),
                    )
                    self.assertEqual(processes.run_script(database, "generate_recurring.py")["invoices"], 0)
