"""Consumption pushed while it is being billed, by two processes with real commits: each record ends on the
new document or stays unbilled for the next run; none is lost, none is on two documents."""

from unittest import TestCase

from . import processes


class TestBillingWhileIngesting(TestCase):
    def test_records_pushed_during_billing_runs_are_billed_once_or_left_for_the_next(self):
        with processes.database_copy("live_billing") as database:
            processes.run_script(database, "prepare_live_billing.py")
            feed = processes.start_script(database, "ingest_loop.py", "--calls", 30, "--rows", 50)
            # The biller runs until every pushed record exists, then once more.
            biller = processes.start_script(database, "bill_loop.py", "--until-records", 1500)
            created = processes.finish(feed)["created"]
            billing = processes.finish(biller)
            self.assertEqual(created, 1500)
            self.assertGreater(billing["orders"], 1, "several billing runs billed while the feed was pushing")

            def state():
                return processes.query(
                    database,
                    """SELECT count(*), count(r.sale_line_id), coalesce(sum(r.quantity), 0),
                              count(DISTINCT r.sale_line_id)
                         FROM consumption_record r WHERE r.external_ref LIKE 'live-%'""",
                )[0]

            records, on_orders, _quantity, _lines = state()
            self.assertEqual(records, 1500, "every pushed record is stored")
            # Each order line bills exactly the quantity of the records linked to it: nothing on two lines.
            mismatched = processes.query(
                database,
                """SELECT l.id FROM sale_order_line l
                     JOIN consumption_record r ON r.sale_line_id = l.id AND r.external_ref LIKE 'live-%'
                 GROUP BY l.id, l.product_uom_qty HAVING l.product_uom_qty != sum(r.quantity)""",
            )
            self.assertEqual(mismatched, [])

            # What was pushed after the last run is left unbilled, and the next run takes all of it.
            processes.run_script(database, "bill_loop.py", "--runs", 1)
            records, on_orders, quantity, _lines = state()
            self.assertEqual(on_orders, records)
            billed = processes.query(
                database,
                """SELECT sum(l.product_uom_qty) FROM sale_order_line l
                    WHERE EXISTS (SELECT 1 FROM consumption_record r
                                   WHERE r.sale_line_id = l.id AND r.external_ref LIKE 'live-%')""",
            )[0][0]
            self.assertEqual(billed, quantity)
