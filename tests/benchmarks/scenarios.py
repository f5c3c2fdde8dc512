"""Benchmark scenarios. Each runs in its own process on its own database copy (see bench.py): it seeds its
data, commits, runs ANALYZE, then times what it measures and prints its measurements as JSON.

A measurement: name, items (what is counted), unit, seconds, queries (SQL queries while timed),
peak_rss_mb (the process's peak resident memory so far) and optional extra figures.
"""

import cProfile
import csv
import io
import json
import os
import pstats
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(TESTS_DIR / "scripts"), str(TESTS_DIR)]

import psutil
import psycopg2
from autoanalyze import AutoAnalyze
from odoo_env import parse_args
from processes import admin_sql, odoo_server
from seeding import seed_recurring_orders

import odoo.sql_db
import odoo.tools
from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry

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
        "consumption into sale orders / the same orders created bare",
        "consumption into sale orders (server action)",
        "the same sale orders created bare (reference)",
        "none; 1.0x would be Odoo alone",
    ),
    (
        "scale-out: 2 workers / 1 worker (rate; time is the inverse)",
        "scale-out: cron + queue_job, 2 workers",
        "scale-out: cron + queue_job, 1 worker",
        ">= 1.67x (2 workers <= 0.6x the time of one)",
    ),
    (
        "scale-out: queue_job 1 worker / cron method in one process",
        "scale-out: cron + queue_job, 1 worker",
        "scale-out reference: cron method, one process",
        "~1.0x (the cost of jobs)",
    ),
    (
        "scale-out: queue_job 2 workers / Odoo's cron runner with 2 cron workers",
        "scale-out: cron + queue_job, 2 workers",
        "scale-out before: Odoo's cron runner, 2 cron workers",
        ">= 1.67x",
    ),
    (
        "ingest in-process / COPY",
        "ingest() in-process, calls of 10,000",
        "COPY reference (same rows)",
        ">= 0.4x",
    ),
    (
        "consumption source over HTTP / ingest() direct",
        "consumption source over HTTP, JSON pages of 10,000",
        "ingest() direct, the source's rows in calls of 10,000",
        ">= 0.7x",
    ),
    (
        "consumption source from a CSV file / ingest() direct",
        "consumption source from a CSV file",
        "ingest() direct, the source's rows in calls of 10,000",
        ">= 0.7x",
    ),
]


def scenario(function):
    SCENARIOS[function.__name__] = function
    return function


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def measure(sink, name, items, unit, extra=None):
    """Time the block and count its SQL queries (every cursor of this process).

    With BENCH_PROFILE set to a folder, the block also runs under cProfile: its statistics go to
    ``<folder>/<measurement>.prof`` and the 30 heaviest functions (cumulative time) to ``.txt`` beside it.
    """
    profile_dir = os.environ.get("BENCH_PROFILE")
    profiler = cProfile.Profile() if profile_dir else None
    queries = odoo.sql_db.sql_counter
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    yield
    if profiler:
        profiler.disable()
        _write_profile(profiler, Path(profile_dir), name)
    sink.append(
        {
            "name": name,
            "items": items,
            "unit": unit,
            "seconds": time.perf_counter() - started,
            "queries": odoo.sql_db.sql_counter - queries,
            "peak_rss_mb": peak_rss_mb(),
            "extra": extra if extra is not None else {},
        }
    )


def _write_profile(profiler, folder, name):
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    profiler.dump_stats(f"{stem}.prof")
    with open(f"{stem}.txt", "w", encoding="utf-8") as report:
        pstats.Stats(profiler, stream=report).sort_stats("cumulative").print_stats(30)


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


# --- recurring generation -------------------------------------------------------------------------------


def _generate_all(env):
    """What the cron does: every due order, in the generator's default batches, committing each."""
    invoices, failures = env["sale.order"]._generate_recurring_invoices(commit=True)
    if failures:
        raise RuntimeError(f"{len(failures)} orders failed, e.g. {next(iter(failures.values()))}")
    return len(invoices)


@scenario
def recurring_generation(env, scale, sink):
    """2,000 monthly orders of 3 lines, one period due, invoices posted, generated by the cron method."""
    count = scaled(2000, scale)
    seed_recurring_orders(env, count)
    analyze(env)
    with measure(sink, "recurring generation (posted)", count, "invoices"):
        generated = _generate_all(env)
    if generated != count:
        raise RuntimeError(f"{generated} invoices generated for {count} orders")


@scenario
def recurring_catch_up(env, scale, sink):
    """The same orders after 3 missed months: 3 invoices per order, oldest first."""
    count = scaled(2000, scale)
    seed_recurring_orders(env, count, months_due=3)
    analyze(env)
    with measure(sink, "recurring catch-up of 3 months (posted)", 3 * count, "invoices"):
        generated = _generate_all(env)
    if generated != 3 * count:
        raise RuntimeError(f"{generated} invoices generated for {3 * count} periods")


@scenario
def recurring_prorated(env, scale, sink):
    """The same orders prorating their partial periods, half with anniversary periods, from one month ago to
    today: 2 invoices per order, the cut ones with prorated quantities (compare per invoice with the
    catch-up)."""
    count = scaled(2000, scale)
    seed_recurring_orders(env, count, prorated=True)
    analyze(env)
    with measure(sink, "recurring generation, prorated and anniversary periods", 2 * count, "invoices"):
        generated = _generate_all(env)
    if generated != 2 * count:
        raise RuntimeError(f"{generated} invoices generated for {2 * count} periods")


@scenario
def recurring_with_consumption(env, scale, sink):
    """The same orders with 50 consumption records each, billed on their period's invoice."""
    count = scaled(2000, scale)
    seed_recurring_orders(env, count, consumption=50)
    analyze(env)
    with measure(sink, "recurring generation with 50 consumption records per order", count, "invoices"):
        generated = _generate_all(env)
    if generated != count:
        raise RuntimeError(f"{generated} invoices generated for {count} orders")


@scenario
def recurring_two_workers(env, scale, sink):
    """The 2,000-order generation by one process, then on an identical copy by two processes at once."""
    count = scaled(2000, scale)
    seed_recurring_orders(env, count)
    analyze(env)
    database = env.cr.dbname
    copy = f"{database}_two"
    addons_path = ",".join(odoo.tools.config["addons_path"])
    env.cr.close()
    odoo.sql_db.close_all()  # nobody may be connected to a database being copied
    admin_sql(f'CREATE DATABASE "{copy}" TEMPLATE "{database}"')
    try:
        one_seconds, _one = _run_generation_workers(database, addons_path, 1)
        two_seconds, per_worker = _run_generation_workers(copy, addons_path, 2)
        with psycopg2.connect(dbname=copy) as connection, connection.cursor() as cr:
            cr.execute(
                """SELECT count(*), count(DISTINCT (recurring_order_id, recurring_period_start))
                     FROM account_move WHERE recurring_order_id IS NOT NULL AND state != 'cancel'"""
            )
            total, distinct = cr.fetchone()
    finally:
        admin_sql(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
    if not (sum(per_worker) == total == distinct == count):
        raise RuntimeError(f"two workers made {per_worker}, stored {total}, distinct periods {distinct}")
    extra = {
        "invoices per worker": per_worker,
        "stored / distinct (order, period)": f"{total} / {distinct}",
        "two workers / one worker (time)": f"{two_seconds / one_seconds:.2f}x (target < 0.7x)",
    }
    sink.append(
        {
            "name": "recurring generation, one worker process",
            "items": count,
            "unit": "invoices",
            "seconds": one_seconds,
            "queries": 0,
            "peak_rss_mb": peak_rss_mb(),
            "extra": {},
        }
    )
    sink.append(
        {
            "name": "recurring generation, two worker processes",
            "items": count,
            "unit": "invoices",
            "seconds": two_seconds,
            "queries": 0,
            "peak_rss_mb": peak_rss_mb(),
            "extra": extra,
        }
    )


def _run_generation_workers(database, addons_path, workers):
    """Start `workers` generation processes at once; (wall time until the last ends, invoices of each)."""
    command = [
        sys.executable,
        str(TESTS_DIR / "scripts" / "generate_recurring.py"),
        "--database",
        database,
        "--addons-path",
        addons_path,
    ]
    started = time.perf_counter()
    running = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _worker in range(workers)]
    outputs = [process.communicate()[0] for process in running]
    seconds = time.perf_counter() - started
    if any(process.returncode for process in running):
        raise RuntimeError(f"a generation worker failed: {outputs}")
    return seconds, [json.loads(output.strip().splitlines()[-1])["invoices"] for output in outputs]


# The server's request log line of each job the runner handed to a worker ends with its SQL query count.
RUNJOB_QUERIES = re.compile(r'"[A-Z]+ /queue_job/runjob[^"]*" 200 \S+ (\d+) ')


@scenario
def recurring_scale_out(env, scale, sink):
    """10,000 monthly orders of 3 lines: the plain cron method in this process (the reference), then on
    identical copies the cron with queue_job (recurring_orders_queue_job): its jobs run by a real server's
    job runner on 1 and 2 prefork workers (and 4 where the machine has 4 cores); last, without the bridge,
    Odoo's own cron runner with two cron workers (``--max-cron-threads=2``): the one job runs in one of
    them, whatever the number of workers (the situation the bridge changes)."""
    count = scaled(10000, scale)
    seed_recurring_orders(env, count)
    analyze(env)
    database = env.cr.dbname
    addons_path = ",".join(odoo.tools.config["addons_path"])
    env.cr.close()
    odoo.sql_db.close_all()  # nobody may be connected to a database being copied
    copies = {workers: f"{database}_w{workers}" for workers in (1, 2, 4) if workers <= (os.cpu_count() or 1)}
    cron_copy = f"{database}_cron"
    for copy in [*copies.values(), cron_copy]:
        admin_sql(f'CREATE DATABASE "{copy}" TEMPLATE "{database}"')
    try:
        with Registry(database).cursor() as cr:
            reference = api.Environment(cr, SUPERUSER_ID, {})
            extra = {}
            cpu_before = psutil.cpu_times()
            with measure(sink, "scale-out reference: cron method, one process", count, "invoices", extra):
                generated = _generate_all(reference)
            extra["machine CPU busy, all cores"] = f"{_cpu_busy_share(cpu_before, psutil.cpu_times()):.0%}"
        if generated != count:
            raise RuntimeError(f"{generated} invoices generated for {count} orders")
        for workers, copy in copies.items():
            sink.append(_run_through_job_runner(copy, addons_path, workers, count))
        sink.append(_run_through_cron_runner(cron_copy, addons_path, count))
    finally:
        for copy in [*copies.values(), cron_copy]:
            admin_sql(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')


def _run_through_job_runner(database, addons_path, workers, count):
    """The cron's planning, then its jobs on a server of `workers` workers and its job runner: wall time
    from the planning's start to the last job done, SQL queries of the jobs (the server's request log),
    peak RSS of each worker that ran jobs. The copy gets the benchmark's stand-in for autovacuum's analyze
    when the run has it (bench.py watches only the scenario's own database)."""
    keeper = AutoAnalyze(database) if os.environ.get("BENCH_AUTOANALYZE") else None
    if keeper:
        keeper.start()
    try:
        return _run_jobs_and_measure(database, addons_path, workers, count)
    finally:
        if keeper:
            keeper.stop()


def _cpu_busy_share(before, after):
    """Share of the machine's CPU time, every core, that was busy between two ``psutil.cpu_times()``:
    what is left for more workers (the Odoo processes and PostgreSQL share the same cores)."""
    total = sum(after) - sum(before)
    idle = (after.idle + getattr(after, "iowait", 0)) - (before.idle + getattr(before, "iowait", 0))
    return 1 - idle / total if total else 0.0


def _run_through_cron_runner(database, addons_path, count):
    """The cron without queue_job, run by a real server's cron workers (2 workers, 2 cron workers): wall
    time from the trigger to the last invoice stored, and which cron worker processes generated."""
    run_cron_script = [sys.executable, str(TESTS_DIR / "scripts" / "cron_runner_prepare.py")]
    arguments = ["--database", database, "--addons-path", addons_path]
    subprocess.run([*run_cron_script, *arguments, "--step", "uninstall"], check=True, capture_output=True)
    with odoo_server(database, workers=2, options=["--max-cron-threads=2"]):
        trigger = subprocess.run(
            [*run_cron_script, *arguments, "--step", "trigger"], check=True, capture_output=True, text=True
        )
        started = json.loads(trigger.stdout.strip().splitlines()[-1])["started"]
        cpu_before = psutil.cpu_times()
        deadline = time.monotonic() + 3600
        while True:
            ((stored,),) = _bench_query(
                database, "SELECT count(*) FROM account_move WHERE recurring_order_id IS NOT NULL"
            )
            if stored >= count:
                finished = time.time()
                cpu_busy = _cpu_busy_share(cpu_before, psutil.cpu_times())
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the cron runner stored {stored} of {count} invoices in an hour")
            time.sleep(0.2)
    ((distinct,),) = _bench_query(
        database,
        """SELECT count(DISTINCT (recurring_order_id, recurring_period_start))
             FROM account_move WHERE recurring_order_id IS NOT NULL AND state != 'cancel'""",
    )
    if not stored == distinct == count:
        raise RuntimeError(f"the cron runner stored {stored} invoices, {distinct} distinct periods")
    return {
        "name": "scale-out before: Odoo's cron runner, 2 cron workers",
        "items": count,
        "unit": "invoices",
        "seconds": finished - started,
        "queries": 0,
        "peak_rss_mb": 0,
        "extra": {"cron jobs": 1, "machine CPU busy, all cores": f"{cpu_busy:.0%}"},
    }


def _run_jobs_and_measure(database, addons_path, workers, count):
    with tempfile.TemporaryDirectory() as folder:
        log_path = Path(folder) / "odoo.log"
        options = [
            f"--logfile={log_path}",
            "--log-handler=werkzeug:INFO",
            "--log-handler=odoo.addons.queue_job.jobrunner.runner:INFO",
        ]
        with odoo_server(database, workers=workers, job_runner=True, options=options) as url:
            deadline = time.monotonic() + 120
            while "database connections ready" not in log_path.read_text():
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the job runner did not start:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.5)
            server = [
                process
                for process in psutil.process_iter(["cmdline"])
                if f"--http-port={url.rsplit(':', 1)[1]}" in (process.info["cmdline"] or [])
            ]
            planner = subprocess.Popen(
                [
                    sys.executable,
                    str(TESTS_DIR / "scripts" / "run_recurring_cron.py"),
                    "--database",
                    database,
                    "--addons-path",
                    addons_path,
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            peak_rss = {}
            cpu_before = psutil.cpu_times()
            while True:
                for process in server:
                    try:
                        rss = process.memory_info().rss / 2**20
                    except psutil.NoSuchProcess:
                        continue
                    peak_rss[process.pid] = max(peak_rss.get(process.pid, 0), rss)
                states = dict(_bench_query(database, "SELECT state, count(*) FROM queue_job GROUP BY state"))
                if states.get("failed"):
                    failed = _bench_query(database, "SELECT exc_info FROM queue_job WHERE state = 'failed'")
                    raise RuntimeError(f"a job failed: {failed}")
                if planner.poll() is not None and states.get("done") and states.keys() == {"done"}:
                    break
                time.sleep(0.2)
            cpu_busy = _cpu_busy_share(cpu_before, psutil.cpu_times())
            if planner.returncode:
                raise RuntimeError("the planning failed")
            started = json.loads(planner.communicate()[0].strip().splitlines()[-1])["started"]
        queries = sum(int(match) for match in RUNJOB_QUERIES.findall(log_path.read_text()))
    ((finished, jobs, job_workers),) = _bench_query(
        database,
        """SELECT extract(epoch FROM max(date_done)), count(*), array_agg(DISTINCT worker_pid)
             FROM queue_job WHERE identity_key LIKE 'recurring_invoicing:%'""",
    )
    ((stored, distinct),) = _bench_query(
        database,
        """SELECT count(*), count(DISTINCT (recurring_order_id, recurring_period_start))
             FROM account_move WHERE recurring_order_id IS NOT NULL AND state != 'cancel'""",
    )
    if not stored == distinct == count:
        raise RuntimeError(f"{workers} workers stored {stored} invoices, {distinct} distinct periods")
    worker_rss = [round(peak_rss.get(pid, 0)) for pid in job_workers]
    return {
        "name": f"scale-out: cron + queue_job, {workers} worker{'s' if workers > 1 else ''}",
        "items": count,
        "unit": "invoices",
        "seconds": float(finished) - started,
        "queries": queries,
        "peak_rss_mb": max(worker_rss),
        "extra": {
            "jobs": jobs,
            "peak RSS of each worker that ran jobs (MB)": worker_rss,
            "machine CPU busy, all cores": f"{cpu_busy:.0%}",
        },
    }


def _bench_query(database, sql):
    with psycopg2.connect(dbname=database) as connection, connection.cursor() as cr:
        cr.execute(sql)
        return cr.fetchall()


# --- consumption billing --------------------------------------------------------------------------------


def seed_consumption(env, customers, products, per_customer, prefix):
    """`per_customer` records per customer over the products, dated last month; returns (first, last day)."""
    last = date.today().replace(day=1) - timedelta(days=1)
    first = last.replace(day=1)
    rows = [
        {
            "partner": customer.id,
            "product": products[(index + number) % len(products)].default_code,
            "date": (first + timedelta(days=number % 28)).isoformat(),
            "quantity": 1 + number % 9,
            "external_ref": f"{prefix}-{customer.id}-{number}",
            **({"rate": 0.25 * (1 + number % 4)} if number % 3 == 0 else {}),
        }
        for index, customer in enumerate(customers)
        for number in range(per_customer)
    ]
    for start in range(0, len(rows), 10_000):
        result = env["consumption.record"].ingest(rows[start : start + 10_000])
        if result["errors"]:
            raise RuntimeError(f"seeding failed: {result['errors'][:3]}")
    env.cr.commit()
    return first, last


def _bill_into_orders(env, customers, first, last):
    # In this process, however many customers (consumption_billing_queue_job would queue jobs beyond 100).
    env["ir.config_parameter"].set_param("consumption_billing_queue_job.customers_per_job", "0")
    wizard = env["consumption.order.wizard"].create(
        {"partner_ids": [(6, 0, customers.ids)], "date_from": first, "date_to": last}
    )
    wizard.action_create_orders()
    env.cr.commit()


def _same_orders_without_consumption(env, customers):
    """Values of the orders just billed for `customers`, line for line the same (product, quantities,
    unit, price, discount, description, analytic distribution) without their consumption: what creating
    these orders costs Odoo itself, the floor of billing into orders on the same machine."""
    line_fields = [
        "product_id",
        "product_uom_qty",
        "qty_delivered",
        "product_uom_id",
        "price_unit",
        "discount",
        "name",
        "analytic_distribution",
    ]
    orders = env["sale.order"].search([("partner_id", "in", customers.ids)])
    lines_by_order = {}
    for values in orders.order_line.read([*line_fields, "order_id"], load=None):
        del values["id"]
        lines_by_order.setdefault(values.pop("order_id"), []).append(Command.create(values))
    return [
        {
            "partner_id": order.partner_id.id,
            "company_id": order.company_id.id,
            "origin": order.origin,
            "order_line": lines_by_order[order.id],
        }
        for order in orders
    ]


@scenario
def billing_orders(env, scale, sink):
    """1,000 customers x 100 records over 20 products billed by the customer-account server action's
    wizard (one sale order per customer); the reference: the same orders created bare; then queries per
    customer at 20 and at 200 records each (20 lines either way: the count must not grow with the
    records)."""
    count = scaled(1000, scale)
    customers = seed_customers(env, count + 100)
    products = seed_products(env, 20)
    main, few, many = customers[:count], customers[count : count + 50], customers[count + 50 :]
    first, last = seed_consumption(env, main, products, 100, "main")
    seed_consumption(env, few, products, 20, "few")
    seed_consumption(env, many, products, 200, "many")
    analyze(env)
    with measure(
        sink,
        "consumption into sale orders (server action)",
        count,
        "customers",
        extra={"records": count * 100},
    ):
        _bill_into_orders(env, main, first, last)
    env.cr.execute(
        "SELECT count(*) FROM consumption_record r JOIN sale_order_line l ON l.id = r.sale_line_id"
        " WHERE r.partner_id = ANY(%s)",
        [main.ids],
    )
    billed = env.cr.fetchone()[0]
    if billed != count * 100:
        raise RuntimeError(f"{billed} of {count * 100} records on orders")
    bare_orders = _same_orders_without_consumption(env, main)
    with measure(sink, "the same sale orders created bare (reference)", count, "customers"):
        env["sale.order"].create(bare_orders)
        env.cr.commit()
    with measure(sink, "consumption into sale orders, 50 customers x 20 records", 50, "customers"):
        _bill_into_orders(env, few, first, last)
    with measure(sink, "consumption into sale orders, 50 customers x 200 records", 50, "customers"):
        _bill_into_orders(env, many, first, last)


@scenario
def billing_invoices(env, scale, sink):
    """The same data billed by the invoice wizard ("Add consumption") on 1,000 draft invoices."""
    count = scaled(1000, scale)
    customers = seed_customers(env, count)
    products = seed_products(env, 20)
    _first, last = seed_consumption(env, customers, products, 100, "inv")
    invoices = env["account.move"].create(
        [
            {"move_type": "out_invoice", "partner_id": customer.id, "invoice_date": last + timedelta(days=1)}
            for customer in customers
        ]
    )
    analyze(env)
    Wizard = env["consumption.invoice.wizard"]
    with measure(
        sink,
        "consumption into draft invoices (invoice wizard)",
        count,
        "customers",
        extra={"records": count * 100},
    ):
        for start in range(0, count, 100):
            for invoice in invoices[start : start + 100]:
                Wizard.create({"move_id": invoice.id, "period": "previous_month"}).action_apply()
            env.cr.commit()
    env.cr.execute("SELECT count(*) FROM consumption_record WHERE invoice_line_id IS NOT NULL")
    billed = env.cr.fetchone()[0]
    if billed < count * 100:
        raise RuntimeError(f"{billed} of {count * 100} records on invoices")


# --- ingestion ------------------------------------------------------------------------------------------


def ingestion_rows(count, partners, products, prefix):
    """Rows as an integrator sends them: customers alternately by id and by reference, products by code,
    an explicit rate on one row in ten."""
    last_month = date.today().replace(day=1) - timedelta(days=1)
    return [
        {
            "partner": partners[index % len(partners)].id
            if index % 2
            else partners[index % len(partners)].ref,
            "product": products[index % len(products)].default_code,
            "date": (last_month - timedelta(days=index % 28)).isoformat(),
            "quantity": 1 + index % 97,
            "external_ref": f"{prefix}-{index}",
            "description": f"Event {index}",
            **({"rate": 0.05} if index % 10 == 0 else {}),
        }
        for index in range(count)
    ]


def _ingest_in_calls(env, rows):
    """ingest() the rows in calls of 10,000, each committed; every row must be created."""
    for start in range(0, len(rows), 10_000):
        result = env["consumption.record"].ingest(rows[start : start + 10_000])
        env.cr.commit()
        if result["errors"] or result["created"] != len(rows[start : start + 10_000]):
            raise RuntimeError(f"unexpected ingest() answer: {result}")


@scenario
def ingestion(env, scale, sink):
    """ingest() in process in calls of 10,000; the same rows with COPY; 20,000 rows over JSON-2."""
    count = scaled(100_000, scale)
    partners = seed_customers(env, 500)
    products = seed_products(env, 20)
    rows = ingestion_rows(count, partners, products, "bench")
    analyze(env)

    with measure(sink, "ingest() in-process, calls of 10,000", count, "rows"):
        _ingest_in_calls(env, rows)

    # The same rows, resolved beforehand, straight into the same table: the fastest way in.
    partner_ids = {partner.ref: partner.id for partner in partners}
    product_by_code = {product.default_code: product for product in products}
    null = "\\N"
    buffer = io.StringIO()
    for row in rows:
        product = product_by_code[row["product"]]
        partner_id = row["partner"] if isinstance(row["partner"], int) else partner_ids[row["partner"]]
        buffer.write(
            f"{partner_id}\t{product.id}\t{product.uom_id.id}\t{env.company.id}\t{row['date']}\t"
            f"{row['quantity']}\t{row.get('rate', null)}\t{'rate' in row}\tf\tt\tapi\t"
            f"copy-{row['external_ref']}\t{row['description']}\t{env.uid}\t{env.uid}\tnow\tnow\n"
        )
    buffer.seek(0)
    with measure(sink, "COPY reference (same rows)", count, "rows"):
        env.cr._obj.copy_expert(
            """COPY consumption_record (partner_id, product_id, uom_id, company_id, date, quantity, rate,
                   has_rate, billed, active, origin, external_ref, description, create_uid, write_uid,
                   create_date, write_date) FROM STDIN""",
            buffer,
        )
        env.cr.commit()

    http_count = scaled(20_000, scale)
    env["res.partner"].create({"name": "API customer", "ref": "API-CUST", "is_company": True})
    env["product.product"].create(
        [
            {"name": f"API {code}", "default_code": code, "type": "service"}
            for code in ("API-UNIT", "API-CALL")
        ]
    )
    api_key = (
        env["res.users.apikeys"].with_user(env.ref("base.user_admin")).sudo()._generate(None, "bench", None)
    )
    env.cr.commit()
    with odoo_server(env.cr.dbname, workers=2) as url:
        completed = subprocess.run(
            [
                sys.executable,
                str(TESTS_DIR / "scripts" / "push_consumption.py"),
                f"--url={url}",
                f"--database={env.cr.dbname}",
                f"--api-key={api_key}",
                "--first=0",
                f"--last={http_count}",
                "--chunk=10000",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    answer = json.loads(completed.stdout.strip().splitlines()[-1])
    if answer["created"] != http_count:
        raise RuntimeError(f"unexpected JSON-2 answers: {answer}")
    sink.append(
        {
            "name": "ingest() over JSON-2 from a client process",
            "items": http_count,
            "unit": "rows",
            "seconds": answer["seconds"],
            "queries": 0,
            "peak_rss_mb": peak_rss_mb(),
            "extra": {"calls": answer["calls"]},
        }
    )


# --- consumption sources --------------------------------------------------------------------------------


SOURCE_COLUMNS = ["partner", "product", "date", "quantity", "external_ref", "description"]


def source_rows(count, partners, products, prefix):
    """Rows as a feed gives them (customers by reference: a CSV has no types), with their references;
    generated one by one, so a large file is written without holding its rows."""
    last_month = date.today().replace(day=1) - timedelta(days=1)
    for index in range(count):
        yield {
            "partner": partners[index % len(partners)].ref,
            "product": products[index % len(products)].default_code,
            "date": (last_month - timedelta(days=index % 28)).isoformat(),
            "quantity": 1 + index % 97,
            "external_ref": f"{prefix}-{index}",
            "description": f"Event {index}",
        }


def _write_source_csv(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as feed:
        writer = csv.DictWriter(feed, fieldnames=SOURCE_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def _run_source(source, expected):
    run = source._run(commit=True)
    source.env.cr.commit()
    if run.state != "done" or run.rows_created != expected:
        raise RuntimeError(f"unexpected run: {run.state} {run.rows_created} {run.error_message}")


@scenario
def consumption_sources(env, scale, sink):
    """A 1,000,000-row CSV file through a storage source (peak memory), then 100,000 rows fetched from a
    local HTTP endpoint (JSON pages of 10,000) and from a local CSV file, against ingest() called directly
    on the same rows in the same run."""
    from odoo.addons.consumption_billing.tests.feed_server import FeedServer

    count = scaled(100_000, scale)
    big_count = scaled(1_000_000, scale)
    partners = seed_customers(env, 500)
    products = seed_products(env, 20)
    folder = Path(tempfile.mkdtemp(prefix="bench_sources_"))
    server = FeedServer()
    try:
        storage = env["fs.storage"].create(
            {"name": "Bench files", "code": "bench_files", "protocol": "file", "directory_path": str(folder)}
        )
        Source = env["consumption.source"].with_context(tracking_disable=True)
        common = {"user_id": env.ref("base.user_admin").id, "interval_type": "days"}
        files = Source.create(
            {
                "name": "Bench CSV",
                "kind": "storage",
                "storage_id": storage.id,
                "file_pattern": "*.csv",
                "file_format": "csv",
                **common,
            }
        )
        http = Source.create(
            {
                "name": "Bench HTTP",
                "url": server.base_url + "/usage/0",
                "rows_key": "rows",
                "timeout": 300,
                **common,
            }
        )
        analyze(env)

        _write_source_csv(folder / "big.csv", source_rows(big_count, partners, products, "big"))
        baseline = peak_rss_mb()
        with measure(
            sink,
            "consumption source from a 1,000,000-row CSV file",
            big_count,
            "rows",
            extra={"peak_rss_mb_before": round(baseline)},
        ):
            _run_source(files, big_count)

        rows = list(source_rows(count, partners, products, "direct"))
        with measure(sink, "ingest() direct, the source's rows in calls of 10,000", count, "rows"):
            _ingest_in_calls(env, rows)

        rows = list(source_rows(count, partners, products, "http"))
        pages = [rows[start : start + 10_000] for start in range(0, count, 10_000)]
        for number, page in enumerate(pages):
            next_url = f"/usage/{number + 1}" if number + 1 < len(pages) else None
            server.serve(f"/usage/{number}", {"rows": page, "next": next_url})
        with measure(sink, "consumption source over HTTP, JSON pages of 10,000", count, "rows"):
            _run_source(http, count)

        _write_source_csv(folder / "feed.csv", source_rows(count, partners, products, "csv"))
        with measure(sink, "consumption source from a CSV file", count, "rows"):
            _run_source(files, count)
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


# --- dashboard ------------------------------------------------------------------------------------------

# 10,000 recurring orders and 120,000 invoices: seeded with SQL by bench_dashboard (see its docstring).
from bench_dashboard import dashboard

SCENARIOS["dashboard"] = dashboard


def main():
    args = parse_args(
        {
            "--scenario": {"required": True, "choices": sorted(SCENARIOS)},
            "--scale": {"type": float, "default": 1.0},
        }
    )
    sink = []
    registry = Registry(args.database)
    cr = registry.cursor()
    try:
        SCENARIOS[args.scenario](api.Environment(cr, SUPERUSER_ID, {}), args.scale, sink)
        if not cr.closed:
            cr.commit()
    finally:
        if not cr.closed:
            cr.close()
    print(json.dumps(sink))


if __name__ == "__main__":
    main()
