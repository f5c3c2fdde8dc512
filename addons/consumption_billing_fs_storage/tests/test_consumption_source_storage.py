import os
import shutil
import tempfile
import time
import tracemalloc
from pathlib import Path

from odoo.addons.consumption_billing.tests.common import ConsumptionCase
from odoo.tests import tagged

HEADER = "partner,product,date,quantity,external_ref\n"


@tagged("post_install", "-at_install")
class TestConsumptionSourceStorage(ConsumptionCase):
    """Sources reading the files of a temporary folder through fs_storage (protocol "file")."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.storage = cls.env["fs.storage"].create(
            {
                "name": "CDR drop",
                "code": "cdr_drop_test",
                "protocol": "file",
                "directory_path": "/nonexistent",
            }
        )

    def setUp(self):
        super().setUp()
        self.root = Path(tempfile.mkdtemp(prefix="consumption_source_"))
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        (self.root / "incoming").mkdir()
        self.storage.directory_path = str(self.root)
        self.source = self.env["consumption.source"].create(
            {
                "name": "Telephone switch",
                "kind": "storage",
                "storage_id": self.storage.id,
                "folder": "incoming",
                "file_pattern": "cdr_*.csv",
                "file_format": "csv",
                "user_id": self.consumption_manager.id,
            }
        )

    def drop(self, name, text, age=0):
        path = self.root / "incoming" / name
        path.write_text(text)
        moment = time.time() - age
        os.utime(path, (moment, moment))
        return path

    def run_and_commit(self):
        """action_run(), then what the caller's commit does: the files move."""
        self.source.action_run()
        self.env.cr.postcommit.run()
        return self.env["consumption.source.run"].search([("source_id", "=", self.source.id)], limit=1)

    def listing(self, folder):
        path = self.root / "incoming" / folder
        return sorted(entry.name for entry in path.iterdir()) if path.exists() else []

    def test_files_read_oldest_first_and_moved_to_done(self):
        self.drop("cdr_new.csv", HEADER + "CUST-ALPHA,T-PHONE,2026-11-10,2,N1\n", age=10)
        self.drop("cdr_old.csv", HEADER + "CUST-ALPHA,T-PHONE,2026-11-09,1,O1\n", age=100)
        self.drop("notes.txt", "not a consumption file")
        run = self.run_and_commit()
        self.assertRecordValues(run, [{"state": "done", "units": 2, "rows_read": 2, "rows_created": 2}])
        old, new = (self.Record.search([("external_ref", "=", ref)]) for ref in ("O1", "N1"))
        self.assertLess(old.id, new.id, "the oldest file is read first")
        self.assertEqual(self.listing("done"), ["cdr_new.csv", "cdr_old.csv"])
        self.assertEqual(self.listing("."), ["done", "notes.txt"])
        self.assertRecordValues(self.run_and_commit(), [{"state": "done", "units": 0, "rows_read": 0}])

    def test_failed_file_goes_to_failed_with_a_report_then_fixed_file_is_taken(self):
        self.drop("cdr_good.csv", HEADER + "CUST-ALPHA,T-PHONE,2026-11-10,2,G1\n", age=50)
        self.drop(
            "cdr_bad.csv", HEADER + "CUST-ALPHA,T-PHONE,2026-11-10,2,\nCUST-ALPHA,NO-SUCH,2026-11-10,1,\n"
        )
        run = self.run_and_commit()
        self.assertRecordValues(run, [{"state": "failed", "units": 1, "rows_created": 1}])
        self.assertIn("File cdr_bad.csv", run.error_message)
        self.assertIn("Row 2, field product: No single product", run.error_message)
        self.assertEqual(self.listing("done"), ["cdr_good.csv"])
        self.assertEqual(self.listing("failed"), ["cdr_bad.csv", "cdr_bad.csv.error.txt"])
        report = (self.root / "incoming" / "failed" / "cdr_bad.csv.error.txt").read_text()
        self.assertIn("Row 2, field product", report)
        prefix = f"source-{self.source.id}:incoming/cdr_bad.csv#"
        self.assertFalse(
            self.Record.search([("external_ref", "=like", prefix + "%")]), "nothing of a failed file"
        )
        self.assertEqual(len(self.source.activity_ids), 1)

        self.drop(
            "cdr_bad.csv", HEADER + "CUST-ALPHA,T-PHONE,2026-11-10,2,\nCUST-ALPHA,T-BANK,2026-11-10,1,\n"
        )
        run = self.run_and_commit()
        self.assertRecordValues(run, [{"state": "done", "units": 1, "rows_created": 2}])
        self.assertEqual(self.Record.search_count([("external_ref", "=like", prefix + "%")]), 2)
        self.assertIn("cdr_bad.csv", self.listing("done"))
        self.assertFalse(self.source.activity_ids)

    def test_file_read_again_before_its_move_creates_nothing_twice(self):
        self.drop("cdr_1.csv", HEADER + "CUST-ALPHA,T-PHONE,2026-11-10,2,\nCUST-BETA,T-BANK,2026-11-10,1,\n")
        self.source.action_run()  # rolled back or crashed before the commit: the file stays
        self.env.cr.postcommit.clear()
        self.assertTrue((self.root / "incoming" / "cdr_1.csv").exists())
        run = self.run_and_commit()
        self.assertRecordValues(run, [{"state": "done", "rows_created": 0, "rows_skipped": 2}])
        self.assertEqual(
            self.Record.search_count([("external_ref", "=like", f"source-{self.source.id}:%")]), 2
        )

    def test_preview_reads_the_oldest_file_and_leaves_it(self):
        self.drop(
            "cdr_1.csv", HEADER + "CUST-ALPHA,T-PHONE,2026-11-10,2,V1\nCUST-ALPHA,NOPE,2026-11-10,1,V2\n"
        )
        action = self.source.action_preview()
        self.env.cr.postcommit.run()
        preview = self.env["consumption.source.preview"].browse(action["res_id"])
        self.assertIn("File cdr_1.csv: 2 rows shown, 1 with errors", preview.summary)
        self.assertIn("No single product", preview.rows_html)
        self.assertEqual(self.listing("."), ["cdr_1.csv"])
        self.assertFalse(self.Record.search([("external_ref", "in", ["V1", "V2"])]))

    def test_unreadable_folder_gives_a_failed_run(self):
        self.source.folder = "missing"
        run = self.run_and_commit()
        self.assertEqual(run.state, "failed")
        self.assertIn("The folder missing of the storage CDR drop cannot be read", run.error_message)

    def test_json_files(self):
        self.source.write({"file_pattern": "cdr_*.json", "file_format": "json", "rows_key": "calls"})
        self.drop(
            "cdr_1.json",
            '{"calls": [{"partner": "CUST-ALPHA", "product": "T-PHONE", "date": "2026-11-10", '
            '"quantity": 3}]}',
        )
        self.assertRecordValues(self.run_and_commit(), [{"state": "done", "rows_created": 1}])

    def test_large_file_streamed_in_batches(self):
        path = self.root / "incoming" / "cdr_big.csv"
        with path.open("w") as big:
            big.write("partner,product,date,quantity\n")
            for number in range(100_000):
                big.write(f"CUST-ALPHA,T-PHONE,2026-11-10,{number % 50 + 1}\n")
        tracemalloc.start()
        try:
            run = self.run_and_commit()
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        self.assertRecordValues(run, [{"state": "done", "rows_read": 100_000, "rows_created": 100_000}])
        self.assertLess(peak, 150 * 2**20, "read in batches of 10,000 rows, not whole")
        self.assertEqual(self.listing("done"), ["cdr_big.csv"])
