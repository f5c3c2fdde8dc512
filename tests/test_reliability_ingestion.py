"""Consumption pushed through the JSON-2 API of a real server (prefork workers) by client processes."""

import subprocess
import sys
from datetime import date
from unittest import TestCase

import requests

from . import processes


class TestConcurrentIngestion(TestCase):
    def test_four_clients_pushing_overlapping_refs_create_each_record_once(self):
        with processes.database_copy("ingest") as database:
            prepared = processes.run_script(database, "prepare_ingestion.py")
            with processes.odoo_server(database, workers=4) as url:
                # Client k pushes refs [200k, 200k + 400): every ref but the first and last 200 is sent twice.
                clients = [
                    subprocess.Popen(
                        [
                            sys.executable,
                            str(processes.SCRIPTS_DIR / "push_consumption.py"),
                            f"--url={url}",
                            f"--database={database}",
                            f"--api-key={prepared['api_key']}",
                            f"--first={200 * client}",
                            f"--last={200 * client + 400}",
                            "--chunk=50",
                        ],
                        stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE,
                        text=True,
                    )
                    for client in range(4)
                ]
                answers = [processes.finish(client, timeout=300) for client in clients]

            sent, distinct_refs = 4 * 400, 1000
            self.assertEqual(sum(answer["errors"] for answer in answers), 0)
            self.assertEqual(sum(answer["created"] for answer in answers), distinct_refs)
            self.assertEqual(sum(answer["created"] + answer["skipped"] for answer in answers), sent)
            rows = processes.query(
                database,
                "SELECT count(*), count(DISTINCT external_ref), min(origin), max(origin)"
                " FROM consumption_record WHERE external_ref LIKE 'ref-%%'",
            )
            self.assertEqual(rows, [(distinct_refs, distinct_refs, "api", "api")])

    def test_api_refuses_a_missing_or_wrong_key(self):
        with processes.database_copy("ingest_auth") as database:
            prepared = processes.run_script(database, "prepare_ingestion.py")
            row = {
                "partner": prepared["partner_ref"],
                "product": "API-UNIT",
                "date": date.today().isoformat(),
                "quantity": 1,
                "external_ref": "x-1",
            }
            with processes.odoo_server(database, workers=0) as url:
                endpoint = f"{url}/json/2/consumption.record/ingest"
                headers = {"X-Odoo-Database": database}
                missing = requests.post(endpoint, json={"rows": [row]}, headers=headers, timeout=60)
                wrong = requests.post(
                    endpoint,
                    json={"rows": [row]},
                    headers={**headers, "Authorization": "bearer not-a-valid-key"},
                    timeout=60,
                )
                good = requests.post(
                    endpoint,
                    json={"rows": [row]},
                    headers={**headers, "Authorization": f"bearer {prepared['api_key']}"},
                    timeout=60,
                )
            self.assertEqual(missing.status_code, 401)
            self.assertEqual(wrong.status_code, 401)
            self.assertEqual(good.status_code, 200, good.text)
            self.assertEqual(good.json()["created"], 1, good.json())
            count = processes.query(
                database, "SELECT count(*) FROM consumption_record WHERE external_ref = 'x-1'"
            )
            self.assertEqual(count, [(1,)])
