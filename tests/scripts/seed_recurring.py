"""Seed N confirmed monthly recurring orders with some periods due, optionally with consumption.

Prints {"order_ids": [...], "record_count": n}. Each order: 3 product lines; the customer's consumption:
`--consumption` records per due month (2 products, explicit rates), billed with the period (`current`).
`--prorated`: orders prorating their partial periods instead, half with anniversary periods (two periods
due each, see ``seeding.seed_recurring_orders``).
"""

import json

from odoo_env import environment, parse_args
from seeding import seed_recurring_orders

args = parse_args(
    {
        "--orders": {"type": int, "required": True},
        "--months-due": {"type": int, "default": 1},
        "--consumption": {"type": int, "default": 0},
        "--state": {"default": "posted"},
        "--archived-customers": {"type": int, "default": 0, "help": "how many of the customers to archive"},
        "--prorated": {"action": "store_true", "help": "prorated orders, half with anniversary periods"},
    }
)
with environment(args.database) as env:
    orders, records = seed_recurring_orders(
        env,
        args.orders,
        args.months_due,
        args.consumption,
        args.state,
        args.archived_customers,
        prorated=args.prorated,
    )
    print(json.dumps({"order_ids": orders.ids, "record_count": len(records)}))
