"""Benchmark scenarios. Each runs in its own process on its own database copy (see bench.py): it seeds its
data, commits, runs ANALYZE, then times what it measures and prints its measurements as JSON.

A measurement: name, items (what is counted), unit, seconds, queries (SQL queries while timed),
peak_rss_mb (the process's peak resident memory so far) and optional extra figures.
"""

import json
import resource
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from odoo_env import environment, parse_args

import odoo.sql_db

SCENARIOS = {}

# (label, measurement, reference measurement, target): printed as measurement rate / reference rate.
RATIOS = [
    (
        "recurring generation / Odoo _create_invoices+action_post",
        "recurring generation (posted)",
        "Odoo _create_invoices + action_post",
        ">= 1.5x",
    ),
    (
        "recurring generation / bare account.move.create+action_post",
        "recurring generation (posted)",
        "bare account.move.create + action_post",
        ">= 0.8x",
    ),
    (
        "recurring catch-up / recurring generation",
        "recurring catch-up of 3 months (posted)",
        "recurring generation (posted)",
        "~1.0x",
    ),
    (
        "ingest in-process / COPY",
        "ingest() in-process, calls of 10,000",
        "COPY reference (same rows)",
        ">= 0.4x",
    ),
]


def scenario(function):
    SCENARIOS[function.__name__] = function
    return function


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def measure(sink, name, items, unit, extra=None):
    """Time the block and count its SQL queries (every cursor of this process)."""
    queries = odoo.sql_db.sql_counter
    started = time.perf_counter()
    yield
    sink.append(
        {
            "name": name,
            "items": items,
            "unit": unit,
            "seconds": time.perf_counter() - started,
            "queries": odoo.sql_db.sql_counter - queries,
            "peak_rss_mb": peak_rss_mb(),
            "extra": extra or {},
        }
    )


def analyze(env):
    """Fresh statistics after seeding: a table autovacuum saw empty misleads the planner badly."""
    env.cr.commit()
    env.cr.execute("ANALYZE")


def scaled(count, scale):
    return max(1, round(count * scale))


# --- seeding ------------------------------------------------------------------------------------------


def seed_customers(env, count):
    return env["res.partner"].create(
        [
            {
                "name": f"Bench customer {index:05d}",
                "email": f"customer{index}@bench.example",
                "ref": f"BC{index:05d}",
                "is_company": True,
            }
            for index in range(count)
        ]
    )


def seed_products(env, count):
    return env["product.product"].create(
        [
            {
                "name": f"Bench product {index:03d}",
                "default_code": f"BP{index:03d}",
                "type": "service",
                "list_price": 10.0 + index,
                "invoice_policy": "order",
            }
            for index in range(count)
        ]
    )


def seed_orders(env, customers, products, lines_per_order=3):
    """One confirmed order of `lines_per_order` lines per customer, created and confirmed in batches."""
    orders = env["sale.order"]
    for start in range(0, len(customers), 500):
        batch = customers[start : start + 500]
        orders |= env["sale.order"].create(
            [
                {
                    "partner_id": customer.id,
                    "order_line": [
                        (
                            0,
                            0,
                            {
                                "product_id": products[(index + line) % len(products)].id,
                                "product_uom_qty": 1 + line,
                                "price_unit": 20.0 + line,
                            },
                        )
                        for line in range(lines_per_order)
                    ],
                }
                for index, customer in enumerate(batch)
            ]
        )
    orders.action_confirm()
    return orders


# --- references: Odoo's own invoicing -------------------------------------------------------------------


@scenario
def odoo_invoicing(env, scale, sink):
    """Odoo's own order invoicing and a bare batched invoice creation, on the same shape of data."""
    count = scaled(2000, scale)
    customers = seed_customers(env, count)
    products = seed_products(env, 20)
    orders = seed_orders(env, customers, products)
    analyze(env)

    with measure(sink, "Odoo _create_invoices + action_post", count, "invoices"):
        for start in range(0, count, 500):
            invoices = orders[start : start + 500]._create_invoices()
            invoices.action_post()
            env.cr.commit()

    journal = env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", env.company.id)], limit=1
    )
    values = [
        {
            "move_type": "out_invoice",
            "partner_id": order.partner_id.id,
            "journal_id": journal.id,
            "invoice_line_ids": [
                (
                    0,
                    0,
                    {
                        "product_id": line.product_id.id,
                        "quantity": line.product_uom_qty,
                        "price_unit": line.price_unit,
                        "tax_ids": [(6, 0, line.tax_ids.ids)],
                    },
                )
                for line in order.order_line
            ],
        }
        for order in orders
    ]
    with measure(sink, "bare account.move.create + action_post", count, "invoices"):
        for start in range(0, count, 500):
            env["account.move"].create(values[start : start + 500]).action_post()
            env.cr.commit()


def main():
    args = parse_args(
        {
            "--scenario": {"required": True, "choices": sorted(SCENARIOS)},
            "--scale": {"type": float, "default": 1.0},
        }
    )
    sink = []
    with environment(args.database) as env:
        env = env(context={"tracking_disable": False})
        SCENARIOS[args.scenario](env, args.scale, sink)
    print(json.dumps(sink))


if __name__ == "__main__":
    main()
