"""Generate every due recurring invoice, committing batch by batch, as one cron worker does.

Prints {"invoices": n, "failures": n}.
"""

import json

from odoo_env import environment, parse_args

args = parse_args({"--batch-size": {"type": int, "default": None}})
with environment(args.database) as env:
    invoices, failures = env["sale.order"]._generate_recurring_invoices(
        batch_size=args.batch_size, commit=True
    )
    print(json.dumps({"invoices": len(invoices), "failures": len(failures)}))
