"""The dashboard's Excel export reads its rows on background connections in the snapshot of the request:
the same workbook as when read on the request's own cursor, blind to what others commit meanwhile, with
real commits between processes (tests/scripts/export_dashboard.py)."""

import tempfile
from unittest import TestCase

import requests

from . import processes
from .scripts.workbook_cells import workbook_cells

EXPORT_URL = "/recurring_orders/dashboard/xlsx"


class TestDashboardExportSnapshot(TestCase):
    def test_background_reads_share_the_request_snapshot(self):
        with processes.database_copy("export") as database:
            processes.run_script(database, "seed_recurring.py", "--orders", 5, "--months-due", 3)
            generated = processes.run_script(database, "generate_recurring.py")
            self.assertEqual(generated, {"invoices": 15, "failures": 0})
            result = processes.run_script(database, "export_dashboard.py", "--chunk-size", 2)
            downloaded, server_log = self._download(database)

        exports = result["exports"]
        self.assertEqual(
            {name: export["background"] for name, export in exports.items()},
            {"before": False, "during": True, "after_background": True, "after_inline": False},
        )
        before = exports["before"]["cells"]
        orders = [row[0] for row in before["Orders"][1:-1]]
        self.assertEqual(len(orders), 5, "every seeded order, read in 3 chunks")
        self.assertEqual(exports["during"]["cells"], before, "what was committed meanwhile is not read")
        after = exports["after_background"]["cells"]
        self.assertEqual(after, exports["after_inline"]["cells"])
        self.assertIn(result["renamed"], [row[0] for row in after["Orders"][1:-1]])
        self.assertNotIn(result["renamed"], orders)
        self.assertNotEqual(after["Revenue per month"], before["Revenue per month"], "one invoice fewer")

        self.assertIn("division by zero", result["error"])
        self.assertLess(result["cancel_seconds"], 30, "a running query is cancelled when the reader is left")
        self.assertEqual(result["threads_left"], 0)

        # The download, on a real server: its read-only request cursor shares its snapshot as well.
        self.assertEqual(downloaded, after)
        self.assertIn("Reading on a background connection in snapshot", server_log)

    @staticmethod
    def _download(database):
        """The export downloaded from a real server as the administrator: (cells by sheet, server log)."""
        with tempfile.NamedTemporaryFile(mode="r", suffix=".log") as log:
            options = [
                f"--logfile={log.name}",
                "--log-handler=odoo.addons.recurring_orders.tools.snapshot_reader:DEBUG",
            ]
            with (
                processes.odoo_server(database, workers=2, options=options) as url,
                requests.Session() as http,
            ):
                http.post(
                    f"{url}/web/session/authenticate",
                    json={"params": {"db": database, "login": "admin", "password": "admin"}},
                    timeout=60,
                ).raise_for_status()
                response = http.get(f"{url}{EXPORT_URL}", params={"domain": "[]"}, timeout=300)
                response.raise_for_status()
            return workbook_cells(response.content), log.read()
