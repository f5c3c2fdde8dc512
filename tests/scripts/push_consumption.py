"""An integrator's client: pushes consumption rows to /json/2/consumption.record/ingest in calls of --chunk.

Rows have external refs `ref-<n>` for n in [--first, --last). Prints the summed answers as JSON:
{"created": n, "skipped": n, "errors": n, "calls": n, "seconds": s}.
"""

import argparse
import json
import time
from datetime import date

import requests

parser = argparse.ArgumentParser()
parser.add_argument("--url", required=True)
parser.add_argument("--database", required=True)
parser.add_argument("--api-key", required=True)
parser.add_argument("--first", type=int, required=True)
parser.add_argument("--last", type=int, required=True)
parser.add_argument("--chunk", type=int, default=100)
parser.add_argument("--date", default=date.today().isoformat())
args = parser.parse_args()

session = requests.Session()
session.headers.update({"Authorization": f"bearer {args.api_key}", "X-Odoo-Database": args.database})
totals = {"created": 0, "skipped": 0, "errors": 0, "calls": 0}
started = time.perf_counter()
for start in range(args.first, args.last, args.chunk):
    rows = [
        {
            "partner": "API-CUST",
            "product": "API-UNIT" if number % 2 else "API-CALL",
            "date": args.date,
            "quantity": 1 + number % 7,
            "external_ref": f"ref-{number}",
        }
        for number in range(start, min(start + args.chunk, args.last))
    ]
    response = session.post(f"{args.url}/json/2/consumption.record/ingest", json={"rows": rows}, timeout=120)
    response.raise_for_status()
    answer = response.json()
    totals["created"] += answer["created"]
    totals["skipped"] += answer["skipped"]
    totals["errors"] += len(answer["errors"])
    totals["calls"] += 1
totals["seconds"] = time.perf_counter() - started
print(json.dumps(totals))
