"""Benchmark of the recurring invoicing dashboard: first list page with its problem counts, and the export.

Seeds N recurring orders and M generated invoices with SQL (a template order and its generated invoice are
made through the ORM, then cloned row by row with INSERT ... SELECT, so every column holds a realistic
value), runs ANALYZE, then times, as the admin user (record rules applied):

* the first page: ``web_search_read`` of the list view's fields (80 rows, count up to 10,001, the web
  client's call) plus ``get_problem_counts`` (the tiles);
* the export: ``recurring.dashboard.xlsx._write_workbook`` of every row into a file, as the download does.

Standalone (seeds into the given database, which it changes: use a copy), prints medians of 3:
    python tests/benchmarks/bench_dashboard.py --database DB --addons-path PATHS [--orders 10000]
        [--invoices 120000] [--repeat 3]
For the benchmark driver: ``dashboard(env, scale, sink)`` seeds and measures once, in the driver's format.
"""

import json
import resource
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import psycopg2
from dateutil.relativedelta import relativedelta
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from odoo_env import environment, parse_args

import odoo.sql_db
from odoo.fields import Command
from odoo.tools import SQL

ORDER_LINES = 3
# Share of the orders seeded with each problem (the rest are healthy).
MISSING_SHARE = 20  # one order in 20 has one due month without invoice
DISCREPANCY_SHARE = 33
MISSING_EMAIL_SHARE = 50
NO_PARENT_SHARE = 50
FAILED_SHARE = 100
HAND_MADE_DUPLICATES = 100


def _columns(env, table):
    env.cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name != 'id'",
        [table],
    )
    return [row[0] for row in env.cr.fetchall()]


def _clone(env, table, source, overrides, where, returning=None):
    """``INSERT INTO table SELECT`` every column of ``source`` (a FROM clause whose rows are aliased
    ``t``), a column's value replaced by the SQL expression in ``overrides`` when it has one."""
    columns = _columns(env, table)
    query = SQL(
        "INSERT INTO %s (%s) SELECT %s FROM %s WHERE %s%s",
        SQL.identifier(table),
        SQL(", ").join(SQL.identifier(column) for column in columns),
        SQL(", ").join(overrides.get(column, SQL("t.%s", SQL.identifier(column))) for column in columns),
        source,
        where,
        SQL(" RETURNING %s", returning) if returning else SQL(),
    )
    started = time.perf_counter()
    env.cr.execute(query)
    print(f"  {table}: {env.cr.rowcount} rows in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    # The next statements join what was just inserted: the planner needs its real size.
    env.cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))


def _templates(env, start):
    """A customer, a recurring order of 3 lines and its generated, posted invoice, made by the ORM."""
    products = env["product.product"].create(
        [
            {"name": f"Bench plan {index}", "type": "service", "list_price": 10.0 * (index + 1)}
            for index in range(ORDER_LINES)
        ]
    )
    customer = env["res.partner"].create(
        {"name": "Bench recurring customer", "email": "recurring@bench.example", "is_company": True}
    )
    order = env["sale.order"].create(
        {
            "partner_id": customer.id,
            "payment_term_id": env.ref("account.account_payment_term_30days").id,
            "recurrence_enabled": True,
            "recurrence_frequency": "monthly",
            "recurrence_date_start": start,
            "recurrence_date_end": start,
            "recurrence_invoice_state": "posted",
            "order_line": [
                Command.create(
                    {
                        "product_id": product.id,
                        "product_uom_qty": 1 + index,
                        "price_unit": 20.0 + index,
                        "sequence": index + 1,
                    }
                )
                for index, product in enumerate(products)
            ],
        }
    )
    order.action_confirm()
    invoices, failures = order._generate_recurring_invoices()
    assert invoices and not failures, failures
    env.flush_all()
    return customer, order, invoices


def seed(env, order_count, invoice_count):
    """Seed ``order_count`` monthly recurring orders and about ``invoice_count`` generated invoices."""
    months = max(1, round(invoice_count / order_count))
    today = date.today()
    start = today.replace(day=1) - relativedelta(months=months - 1)
    customer, order, invoice = _templates(env, start)
    env.cr.execute(
        """CREATE TEMP TABLE bench_partner (seq int, id int);
           CREATE TEMP TABLE bench_order (seq int, id int, start date);
           CREATE TEMP TABLE bench_move (id int, order_id int)"""
    )
    partner_count = max(1, order_count // 5)
    _clone(
        env,
        "res_partner",
        SQL("res_partner t, generate_series(1, %s) g", partner_count),
        {
            "name": SQL("'Bench customer ' || g"),
            "complete_name": SQL("'Bench customer ' || g"),
            # The customers of the orders sent by email (one in MISSING_EMAIL_SHARE) have no address.
            "email": SQL(
                "CASE WHEN g %% %s = 1 THEN NULL ELSE 'c' || g || '@bench.example' END",
                MISSING_EMAIL_SHARE // 2,
            ),
        },
        SQL("t.id = %s", customer.id),
    )
    env.cr.execute(
        """INSERT INTO bench_partner
           SELECT substring(name FROM 16)::int, id FROM res_partner WHERE name LIKE 'Bench customer %%'"""
    )
    env.cr.execute(
        """UPDATE res_partner SET commercial_partner_id = id WHERE id IN (SELECT id FROM bench_partner);
           ANALYZE bench_partner"""
    )
    # Orders: a share starts a month earlier (one due month without invoice), others bill an amount that
    # differs from their last invoice, are sent to a partner without email, bill a missing parent, failed.
    order_start = SQL(
        "CASE WHEN g %% %s = 0 THEN %s::date - interval '1 month' ELSE %s::date END::date",
        MISSING_SHARE,
        start,
        start,
    )
    partner = SQL("partner.id")
    _clone(
        env,
        "sale_order",
        SQL(
            "sale_order t, generate_series(1, %s) g JOIN bench_partner partner ON partner.seq = 1 + g %% %s",
            order_count,
            partner_count,
        ),
        {
            "name": SQL("'BENCH-' || g"),
            "partner_id": partner,
            "partner_invoice_id": partner,
            "partner_shipping_id": partner,
            "recurrence_invoice_partner_id": partner,
            "recurrence_date_start": order_start,
            "recurrence_date_end": SQL("NULL"),
            "recurrence_next_date": SQL(
                "CASE WHEN g %% %s = 0 THEN %s::date - interval '1 month' ELSE %s::date END::date",
                MISSING_SHARE,
                start,
                start + relativedelta(months=months),
            ),
            "amount_untaxed": SQL(
                "t.amount_untaxed + CASE WHEN g %% %s = 0 THEN 10 ELSE 0 END", DISCREPANCY_SHARE
            ),
            "recurrence_invoice_state": SQL(
                "CASE WHEN g %% %s = 0 THEN 'sent' ELSE 'posted' END", MISSING_EMAIL_SHARE
            ),
            "recurrence_bill_parent": SQL("g %% %s = 0", NO_PARENT_SHARE),
            "recurrence_last_error": SQL(
                "CASE WHEN g %% %s = 0 THEN 'Bench: the invoice could not be posted' END", FAILED_SHARE
            ),
            "access_token": SQL("NULL"),
        },
        SQL("t.id = %s", order.id),
        returning=SQL("id, name"),
    )
    env.cr.execute(
        """INSERT INTO bench_order
           SELECT substring(so.name FROM 7)::int, so.id, so.recurrence_date_start
             FROM sale_order so WHERE so.name LIKE 'BENCH-%%';
           ANALYZE bench_order"""
    )
    _clone(
        env,
        "sale_order_line",
        SQL("sale_order_line t, bench_order b"),
        {"order_id": SQL("b.id")},
        SQL("t.order_id = %s", order.id),
    )
    # Generated invoices: one per order and month, the months of the orders starting earlier minus one.
    period = SQL("(date_trunc('month', %s::date) + k * interval '1 month')::date", start)
    _clone(
        env,
        "account_move",
        SQL(
            "account_move t, bench_order b JOIN sale_order so ON so.id = b.id, generate_series(0, %s) k",
            months - 1,
        ),
        {
            "name": SQL("'BENCH/' || b.seq || '/' || k"),
            "partner_id": SQL("so.partner_id"),
            "commercial_partner_id": SQL("so.partner_id"),
            "recurring_order_id": SQL("b.id"),
            "recurring_period_start": period,
            "recurring_period_end": SQL("(%s + interval '1 month')::date - 1", period),
            "invoice_date": period,
            "date": period,
            "access_token": SQL("NULL"),
        },
        SQL("t.id = %s", invoice.id),
    )
    env.cr.execute(
        """INSERT INTO bench_move SELECT id, recurring_order_id FROM account_move WHERE name LIKE 'BENCH/%%';
           ANALYZE bench_move"""
    )
    _clone(
        env,
        "account_move_line",
        SQL("account_move_line t, bench_move m JOIN account_move move ON move.id = m.id"),
        {
            "move_id": SQL("m.id"),
            "move_name": SQL("move.name"),
            "date": SQL("move.date"),
            "invoice_date": SQL("move.invoice_date"),
            "partner_id": SQL("move.partner_id"),
        },
        SQL("t.move_id = %s", invoice.id),
    )
    env.cr.execute(
        """INSERT INTO sale_order_line_invoice_rel (invoice_line_id, order_line_id)
           SELECT line.id, order_line.id
             FROM bench_move m
             JOIN account_move_line line ON line.move_id = m.id AND line.display_type = 'product'
             JOIN sale_order_line order_line
               ON order_line.order_id = m.order_id AND order_line.sequence = line.sequence"""
    )
    # What generation keeps on each order: its last generated invoice and what it billed for the subscription
    # (the whole untaxed amount: the template invoice has no consumption or Bill once line).
    env.cr.execute(
        """UPDATE sale_order so
              SET recurrence_last_invoice_id = last.id,
                  recurrence_last_subscription_amount = last.amount_untaxed
             FROM (SELECT DISTINCT ON (move.recurring_order_id) move.recurring_order_id, move.id,
                          move.amount_untaxed
                     FROM account_move move JOIN bench_move m ON m.id = move.id
                    ORDER BY move.recurring_order_id, move.recurring_period_start DESC) last
            WHERE last.recurring_order_id = so.id"""
    )
    # Invoices made by hand from an order's lines in a month the order already billed: duplicates.
    _clone(
        env,
        "account_move",
        SQL("account_move t, (SELECT * FROM bench_order ORDER BY seq LIMIT %s) b", HAND_MADE_DUPLICATES),
        {
            "name": SQL("'BENCHDUP/' || b.seq"),
            "recurring_order_id": SQL("NULL"),
            "recurring_period_start": SQL("NULL"),
            "recurring_period_end": SQL("NULL"),
            "invoice_date": SQL("%s::date + 3", start),
            "date": SQL("%s::date + 3", start),
            "access_token": SQL("NULL"),
            "partner_id": SQL("(SELECT partner_id FROM sale_order WHERE id = b.id)"),
            "commercial_partner_id": SQL("(SELECT partner_id FROM sale_order WHERE id = b.id)"),
        },
        SQL("t.id = %s", invoice.id),
    )
    duplicates = SQL("account_move move JOIN bench_order b ON move.name = 'BENCHDUP/' || b.seq")
    _clone(
        env,
        "account_move_line",
        SQL("account_move_line t, %s", duplicates),
        {
            "move_id": SQL("move.id"),
            "move_name": SQL("move.name"),
            "date": SQL("move.date"),
            "invoice_date": SQL("move.invoice_date"),
            "partner_id": SQL("move.partner_id"),
        },
        SQL("t.move_id = %s AND t.display_type = 'product'", invoice.id),
    )
    env.cr.execute(
        SQL(
            """INSERT INTO sale_order_line_invoice_rel (invoice_line_id, order_line_id)
               SELECT line.id, order_line.id
                 FROM %s
                 JOIN account_move_line line ON line.move_id = move.id
                 JOIN sale_order_line order_line
                   ON order_line.order_id = b.id AND order_line.sequence = line.sequence""",
            duplicates,
        )
    )
    # What the ORM keeps on the orders of these invoices: their periods billed twice (the addons path is
    # set once the arguments are read, hence the late import).
    from odoo.addons.recurring_orders.tools.dashboard_query import duplicate_periods_sql

    env.cr.execute("SELECT id FROM bench_order ORDER BY seq LIMIT %s", [HAND_MADE_DUPLICATES])
    env.cr.execute(
        SQL(
            """UPDATE sale_order so SET recurrence_duplicate_period_count = duplicate.period_count
                 FROM (%s) duplicate WHERE duplicate.order_id = so.id""",
            duplicate_periods_sql([row[0] for row in env.cr.fetchall()]),
        )
    )
    env.cr.execute("SELECT COUNT(*) FROM bench_move")
    seeded_invoices = env.cr.fetchone()[0]
    env.cr.commit()
    # Fresh statistics (and visibility maps) for the planner, as autovacuum would leave them.
    connection = psycopg2.connect(dbname=env.cr.dbname)
    connection.autocommit = True
    try:
        with connection.cursor() as cr:
            for table in (
                "res_partner",
                "sale_order",
                "sale_order_line",
                "account_move",
                "account_move_line",
                "sale_order_line_invoice_rel",
            ):
                cr.execute(f"VACUUM ANALYZE {table}")
    finally:
        connection.close()
    env.invalidate_all()
    return {"orders": order_count, "invoices": seeded_invoices, "months": months}


def _list_specification(env):
    """The fields the web client reads for the dashboard's list view."""
    dashboard = env["recurring.dashboard"]
    arch = dashboard.get_view(env.ref("recurring_orders.recurring_dashboard_view_list").id, "list")["arch"]
    names = {node.get("name") for node in etree.fromstring(arch).iter("field")}
    return {
        name: {"fields": {"display_name": {}}} if dashboard._fields[name].type == "many2one" else {}
        for name in names
    }


def _timed(env, function):
    """Seconds and queries of one call, on an empty record cache (as a new request)."""
    env.invalidate_all()
    queries = odoo.sql_db.sql_counter
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, odoo.sql_db.sql_counter - queries, result


def measure_first_page(env):
    dashboard = env["recurring.dashboard"]
    specification = _list_specification(env)

    def first_page():
        page = dashboard.web_search_read([], specification, offset=0, limit=80, count_limit=10001)
        counts = dashboard.get_problem_counts([])
        return page, counts

    return _timed(env, first_page)


def measure_export(env):
    """The download's path: the workbook written to a temporary file (its size is the result)."""

    def export():
        with tempfile.TemporaryFile() as file:
            env["recurring.dashboard.xlsx"]._write_workbook([], file)
            return file.tell()

    return _timed(env, export)


def _peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dashboard(env, scale, sink):
    """Benchmark driver scenario: seed 10,000 orders x 12 invoices (scaled), then time each once."""
    seeded = seed(env, max(1, round(10000 * scale)), max(1, round(120000 * scale)))
    admin = env(user=env.ref("base.user_admin").id)
    for name, measure, target in (
        ("dashboard first page + problem counts", measure_first_page, "< 1 s"),
        ("dashboard Excel export", measure_export, "< 10 s"),
    ):
        seconds, queries, _result = measure(admin)
        sink.append(
            {
                "name": name,
                "items": seeded["orders"],
                "unit": "orders",
                "seconds": seconds,
                "queries": queries,
                "peak_rss_mb": _peak_rss_mb(),
                "extra": {"invoices": seeded["invoices"], "target": target},
            }
        )


def main():
    args = parse_args(
        {
            "--orders": {"type": int, "default": 10000},
            "--invoices": {"type": int, "default": 120000},
            "--repeat": {"type": int, "default": 3},
            "--measure-only": {"action": "store_true", "help": "the database is already seeded"},
        }
    )
    with environment(args.database) as env:
        started = time.perf_counter()
        if args.measure_only:
            env.cr.execute("SELECT COUNT(*) FROM account_move WHERE name LIKE 'BENCH/%%'")
            seeded = {"orders": args.orders, "invoices": env.cr.fetchone()[0]}
        else:
            seeded = seed(env, args.orders, args.invoices)
        print(
            f"Seeded {seeded['orders']} orders, {seeded['invoices']} invoices"
            f" in {time.perf_counter() - started:.1f} s"
        )
        admin = env(user=env.ref("base.user_admin").id)
        results = {}
        for name, measure in (("first page + counts", measure_first_page), ("export", measure_export)):
            runs = [measure(admin) for _run in range(args.repeat)]
            seconds = [run[0] for run in runs]
            results[name] = {
                "median_s": statistics.median(seconds),
                "min_s": min(seconds),
                "max_s": max(seconds),
                "queries": runs[-1][1],
            }
            print(
                f"{name}: median {statistics.median(seconds):.3f} s"
                f" (min {min(seconds):.3f}, max {max(seconds):.3f}), "
                f"{runs[-1][1]} queries"
            )
        page, counts = measure_first_page(admin)[2]
        problems = ", ".join(f"{problem['key']} {problem['count']}" for problem in counts["problems"])
        print(f"rows {page['length']}, with problems {counts['with_problems']}: {problems}")
        print(f"peak RSS {_peak_rss_mb():.0f} MB")
        print(json.dumps({"seeded": seeded, "results": results}))


if __name__ == "__main__":
    main()
