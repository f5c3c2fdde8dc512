"""The dashboard's Excel export read by background threads against the same export read on the request's
own cursor, while another connection commits a change.

1. ``before``: a transaction that has written (its reads stay on its own cursor);
2. ``during``: a transaction that has written nothing (its reads go to background connections), whose
   snapshot is taken before another connection commits a renamed order and a cancelled invoice;
3. ``after_background`` / ``after_inline``: new transactions, after that commit.

Then a background query that fails, and a reader left while its threads wait or run a long query.
Prints {"exports": {name: {"background": bool, "cells": {sheet: rows}}}, "renamed": order name,
"error": message, "cancel_seconds": s, "threads_left": n}.
"""

import json
import threading
import time

import psycopg2
from odoo_env import environment, parse_args
from workbook_cells import workbook_cells

from odoo.tools import SQL

args = parse_args({"--chunk-size": {"type": int, "default": 2}})
# The addons are importable once the arguments (the addons path) are read.
from odoo.addons.recurring_orders.report import dashboard_xlsx  # noqa: E402
from odoo.addons.recurring_orders.tools.snapshot_reader import SnapshotReader  # noqa: E402

dashboard_xlsx.EXPORT_CHUNK_SIZE = args.chunk_size


def export(env, write_first):
    env = env(user=env.ref("base.user_admin").id)
    if write_first:
        env.cr.execute("SELECT pg_current_xact_id()")  # what a write does: the transaction gets an id
    with SnapshotReader(env.cr) as probe:
        background = probe.in_background
    cells = workbook_cells(env["recurring.dashboard.xlsx"]._generate([]))
    return {"background": background, "cells": cells}


def commit_elsewhere(database):
    """Rename the first recurring order and cancel one of its invoices, on another connection."""
    connection = psycopg2.connect(dbname=database)
    try:
        with connection, connection.cursor() as cr:
            cr.execute(
                """UPDATE sale_order SET name = name || ' renamed'
                    WHERE id = (SELECT min(id) FROM sale_order WHERE recurrence_enabled) RETURNING name, id"""
            )
            name, order_id = cr.fetchone()
            cr.execute(
                """UPDATE account_move SET state = 'cancel'
                    WHERE id = (SELECT max(id) FROM account_move WHERE recurring_order_id = %s)""",
                [order_id],
            )
        return name
    finally:
        connection.close()


exports = {}
with environment(args.database) as env:
    exports["before"] = export(env, write_first=True)
    env.cr.rollback()
with environment(args.database) as env:
    env.cr.execute("SELECT 1")  # the transaction's snapshot is taken here
    renamed = commit_elsewhere(args.database)
    exports["during"] = export(env, write_first=False)
with environment(args.database) as env:
    exports["after_background"] = export(env, write_first=False)
with environment(args.database) as env:
    exports["after_inline"] = export(env, write_first=True)
    env.cr.rollback()

threads_before = threading.active_count()
with environment(args.database) as env:
    try:
        with SnapshotReader(env.cr) as reader:
            list(reader.fetch_each([SQL("SELECT 1 AS n"), SQL("SELECT 1 / 0 AS n")]))
        error = None
    except psycopg2.Error as caught:
        error = str(caught)
    env.cr.execute("SELECT 1")  # the request's own cursor is untouched
    started = time.monotonic()
    with SnapshotReader(env.cr) as reader:
        reader.fetch_all(SQL("SELECT pg_sleep(60)"))
        waiting = reader.fetch_each([SQL("SELECT 1 AS n")] * 10, backlog=1)
        next(waiting)
    cancel_seconds = time.monotonic() - started

print(
    json.dumps(
        {
            "exports": exports,
            "renamed": renamed,
            "error": error,
            "cancel_seconds": cancel_seconds,
            "threads_left": threading.active_count() - threads_before,
        }
    )
)
