"""Run what the cron 'Generate recurring invoices' runs, as a server's cron worker does, optionally at a
given moment (two processes started apart begin together). Odoo's own cron lock is not taken: two of
these run at once, like the crons of two servers that both took the job.

Prints {"invoices": n, "failures": n, "started": time.time() when the cron's work began}.
"""

import json
import time

from odoo_env import environment, parse_args

args = parse_args({"--at": {"type": float, "default": None, "help": "time.time() to start at"}})
with environment(args.database) as env:
    env["sale.order"].search([], limit=1)  # the registry is loaded before waiting
    if args.at:
        time.sleep(max(args.at - time.time(), 0))
    started = time.time()
    invoices, failures = env["sale.order"]._cron_generate_recurring_invoices()
    print(json.dumps({"invoices": len(invoices), "failures": len(failures), "started": started}))
