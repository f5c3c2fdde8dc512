"""Benchmark of consumption.record.ingest(): rows per second, in process, against a plain COPY.

    python -m odoo --addons-path=... consumption_ingest_benchmark -d DATABASE [--rows 100000] [--batch 10000]

It creates its own customers and products, ingests the rows in calls of --batch rows (one committed
transaction each, as the API runs them), then COPYs the same number of rows into the same table as the
reference, prints both rates and their ratio, and deletes everything it created. Run it on a test
database, never on production.
"""

import io
import statistics
import time
import uuid
from datetime import date, timedelta

from odoo import SUPERUSER_ID, api
from odoo.cli.command import Command
from odoo.modules.registry import Registry
from odoo.tools import config

CUSTOMERS = 500
PRODUCTS = 20


class ConsumptionIngestBenchmark(Command):
    """Measure consumption.record.ingest() rows per second against a plain COPY."""

    name = "consumption_ingest_benchmark"

    def run(self, args):
        self.parser.add_argument("-d", "--database", required=True)
        self.parser.add_argument("--rows", type=int, default=100_000)
        self.parser.add_argument("--batch", type=int, default=10_000)
        options, odoo_args = self.parser.parse_known_args(args)
        addons_path = ",".join(config["addons_path"])  # given before the command name; kept
        config.parse_config(
            [f"--addons-path={addons_path}", *odoo_args, "-d", options.database, "--log-level=warn"],
            setup_logging=True,
        )
        registry = Registry(options.database)
        run_id = uuid.uuid4().hex[:8]
        try:
            partner_ids, product_codes = _create_references(registry, run_id)
            rows = _rows(run_id, options.rows, partner_ids, product_codes)
            ingest_seconds = _ingest(registry, rows, options.batch)
            copy_seconds = _copy(registry, rows, partner_ids)
        finally:
            _clean_up(registry, run_id)
        ingest_rate = options.rows / sum(ingest_seconds)
        copy_rate = options.rows / copy_seconds
        print(
            f"ingest(): {options.rows} rows in {len(ingest_seconds)} calls of {options.batch}: "
            f"{sum(ingest_seconds):.2f} s, {ingest_rate:,.0f} rows/s "
            f"(per call: median {statistics.median(ingest_seconds):.3f} s, "
            f"min {min(ingest_seconds):.3f} s, max {max(ingest_seconds):.3f} s)"
        )
        print(f"COPY reference: {options.rows} rows in {copy_seconds:.2f} s, {copy_rate:,.0f} rows/s")
        print(f"ingest/COPY: {ingest_rate / copy_rate:.0%}")


def _create_references(registry, run_id):
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        partners = env["res.partner"].create(
            [
                {"name": f"Benchmark customer {n}", "ref": f"BENCH-{run_id}-C{n}", "is_company": True}
                for n in range(CUSTOMERS)
            ]
        )
        products = env["product.product"].create(
            [
                {"name": f"Benchmark usage {n}", "default_code": f"BENCH-{run_id}-P{n}", "type": "service"}
                for n in range(PRODUCTS)
            ]
        )
        cr.execute("ANALYZE consumption_record")
        return partners.ids, products.mapped("default_code")


def _rows(run_id, count, partner_ids, product_codes):
    first_day = date.today().replace(day=1) - timedelta(days=1)
    return [
        {
            # customers alternately by id and by reference, as integrators send them
            "partner": partner_ids[n % CUSTOMERS] if n % 2 else f"BENCH-{run_id}-C{n % CUSTOMERS}",
            "product": product_codes[n % PRODUCTS],
            "date": (first_day - timedelta(days=n % 28)).isoformat(),
            "quantity": 1 + n % 97,
            "external_ref": f"BENCH-{run_id}-R{n}",
            "description": f"Event {n}",
            **({"rate": 0.05} if n % 10 == 0 else {}),
        }
        for n in range(count)
    ]


def _ingest(registry, rows, batch):
    durations = []
    for start in range(0, len(rows), batch):
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            started = time.perf_counter()
            result = env["consumption.record"].ingest(rows[start : start + batch])
            cr.commit()
            durations.append(time.perf_counter() - started)
        if result["errors"] or result["created"] != len(rows[start : start + batch]):
            raise RuntimeError(f"unexpected ingest result: {result}")
    return durations


def _copy(registry, rows, partner_ids):
    """The same number of rows with plain SQL COPY into the same table, the fastest way in."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env.company
        product_ids = env["product.product"].search(
            [("default_code", "in", list({r["product"] for r in rows}))]
        )
        unit_id = product_ids[0].uom_id.id
        buffer = io.StringIO()
        for n, row in enumerate(rows):
            buffer.write(
                f"{partner_ids[n % CUSTOMERS]}\t{product_ids[n % len(product_ids)].id}\t{row['date']}\t"
                f"{row['quantity']}\t{unit_id}\t{'rate' in row}\t{row.get('rate', 0)}\t"
                f"{row['external_ref']}-copy\t{row['description']}\t{company.id}\tapi\tt\tf\t{SUPERUSER_ID}\t{SUPERUSER_ID}\n"
            )
        buffer.seek(0)
        started = time.perf_counter()
        cr._obj.copy_expert(
            """COPY consumption_record (partner_id, product_id, date, quantity, uom_id, has_rate, rate,
                   external_ref, description, company_id, origin, active, billed, create_uid, write_uid)
               FROM STDIN""",
            buffer,
        )
        cr.commit()
        return time.perf_counter() - started


def _clean_up(registry, run_id):
    with registry.cursor() as cr:
        cr.execute("DELETE FROM consumption_record WHERE external_ref LIKE %s", [f"BENCH-{run_id}-%"])
        env = api.Environment(cr, SUPERUSER_ID, {})
        env["product.product"].search([("default_code", "like", f"BENCH-{run_id}-%")]).unlink()
        env["res.partner"].search([("ref", "like", f"BENCH-{run_id}-%")]).unlink()
