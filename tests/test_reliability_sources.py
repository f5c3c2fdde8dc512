"""Consumption sources run by the scheduled action's path with real commits: per-batch commits, a kill
mid-file. (With consumption_billing_queue_job installed, the action enqueues jobs that run this same path:
tests/test_reliability_source_jobs.py.)"""

import shutil
import tempfile
import time
from pathlib import Path
from unittest import TestCase

from . import processes

HEADER = "partner,product,date,quantity\n"


def _write_cdr(path, rows, bad_row=None):
    with path.open("w") as cdr:
        cdr.write(HEADER)
        for number in range(1, rows + 1):
            product = "NO-SUCH-PRODUCT" if number == bad_row else "CDR-MIN"
            cdr.write(f"CDR-CUST,{product},{time.strftime('%Y-%m-%d')},{number % 60 + 1}\n")


def _records(database, file_name):
    return processes.query(
        database,
        "SELECT count(*), count(DISTINCT external_ref) FROM consumption_record WHERE external_ref LIKE %s",
        (f"%:{file_name}#%",),
    )[0]


class SourcesProcessCase(TestCase):
    """A folder of CDR files, and the sources of tests/scripts/consumption_sources.py reading it."""

    def setUp(self):
        self.folder = Path(tempfile.mkdtemp(prefix="consumption_sources_"))
        self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)

    def prepare(self, database):
        """The files source and the unreachable HTTP source; returns their ids."""
        return processes.run_script(
            database, "consumption_sources.py", "--action", "prepare", "--folder", self.folder
        )

    def drop_big_and_bad_files(self):
        _write_cdr(self.folder / "cdr_1_big.csv", 25_000)
        _write_cdr(self.folder / "cdr_2_bad.csv", 25_000, bad_row=22_222)

    def assert_big_and_bad_files_run(self, database, sources, runs):
        """``runs``: (source id, state, rows created, error) of the run of each source."""
        runs = {source_id: (state, created, error) for source_id, state, created, error in runs}
        self.assertEqual(len(runs), 2, "one run per source")
        self.assertEqual(runs[sources["unreachable"]][0], "failed")
        state, created, error = runs[sources["files"]]
        self.assertEqual(state, "failed")
        self.assertEqual(created, 25_000 + 20_000, "the bad file's batches before its bad row stay")
        self.assertIn("Row 22222, field product", error)
        self.assertEqual(_records(database, "cdr_1_big.csv"), (25_000, 25_000))
        self.assertEqual(sorted(path.name for path in (self.folder / "done").iterdir()), ["cdr_1_big.csv"])
        self.assertEqual(
            sorted(path.name for path in (self.folder / "failed").iterdir()),
            ["cdr_2_bad.csv", "cdr_2_bad.csv.error.txt"],
        )


class TestConsumptionSourcesCron(SourcesProcessCase):
    def test_cron_commits_per_batch_and_a_failing_source_stops_nothing(self):
        with processes.database_copy("sources") as database:
            sources = self.prepare(database)
            self.drop_big_and_bad_files()
            result = processes.run_script(database, "consumption_sources.py", "--action", "run-due")
            self.assert_big_and_bad_files_run(database, sources, result["runs"])

            # The fixed file dropped again is taken whole, without recording its first batches twice.
            (self.folder / "failed" / "cdr_2_bad.csv").unlink()
            _write_cdr(self.folder / "cdr_2_bad.csv", 25_000)
            result = processes.run_script(database, "consumption_sources.py", "--action", "run-due")
            self.assertEqual(_records(database, "cdr_2_bad.csv"), (25_000, 25_000))
            self.assertIn("cdr_2_bad.csv", [path.name for path in (self.folder / "done").iterdir()])

    def test_kill_9_mid_file_then_rerun_records_each_row_once(self):
        with processes.database_copy("sources_kill") as database:
            self.prepare(database)
            _write_cdr(self.folder / "cdr_huge.csv", 200_000)
            worker = processes.start_script(database, "consumption_sources.py", "--action", "run-due")
            deadline = time.monotonic() + 300
            while _records(database, "cdr_huge.csv")[0] < 20_000 and worker.poll() is None:
                self.assertLess(time.monotonic(), deadline, "no batch was committed in time")
                time.sleep(0.1)
            processes.kill_hard(worker)
            committed = _records(database, "cdr_huge.csv")[0]
            self.assertGreater(committed, 0)
            self.assertLess(committed, 200_000, "killed before the end of the file")
            self.assertTrue(
                (self.folder / "cdr_huge.csv").exists(), "a file is moved only once all of it is in"
            )

            processes.run_script(database, "consumption_sources.py", "--action", "run-due")
            self.assertEqual(_records(database, "cdr_huge.csv"), (200_000, 200_000))
            self.assertTrue((self.folder / "done" / "cdr_huge.csv").exists())
