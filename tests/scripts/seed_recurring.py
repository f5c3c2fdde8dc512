"""Seed N confirmed monthly recurring orders with some periods due, optionally with consumption.

Prints {"order_ids": [...], "record_count": n}. Each order: 3 product lines; the customer's consumption:
`--consumption` records per due month (2 products, explicit rates), billed with the period (`current`).
"""

import json
from datetime import date

from dateutil.relativedelta import relativedelta
from odoo_env import environment, parse_args

args = parse_args(
    {
        "--orders": {"type": int, "required": True},
        "--months-due": {"type": int, "default": 1},
        "--consumption": {"type": int, "default": 0},
        "--state": {"default": "posted"},
        "--archived-customers": {"type": int, "default": 0, "help": "how many of the customers to archive"},
    }
)

with environment(args.database) as env:
    env = env(context={"tracking_disable": True, "mail_create_nolog": True})
    today = date.today()
    start = today.replace(day=1) - relativedelta(months=args.months_due - 1)
    products = env["product.product"].create(
        [
            {
                "name": f"Seeded service {index}",
                "default_code": f"SEED{index}",
                "type": "service",
                "list_price": 10.0 * (index + 1),
                "invoice_policy": "order",
            }
            for index in range(5)
        ]
    )
    customers = env["res.partner"].create(
        [
            {
                "name": f"Seeded customer {index:04d}",
                "email": f"seeded{index}@example.com",
                "is_company": True,
            }
            for index in range(args.orders)
        ]
    )
    orders = env["sale.order"].create(
        [
            {
                "partner_id": customer.id,
                "recurrence_enabled": True,
                "recurrence_frequency": "monthly",
                "recurrence_date_start": start,
                "recurrence_invoice_state": args.state,
                "recurrence_subject": "Subscription {MMM} {YYYY}",
                "recurrence_date_preference": "period_start",
                "recurrence_consumption": "current" if args.consumption else "none",
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": products[line].id,
                            "product_uom_qty": line + 1,
                            "price_unit": 5.0 * (line + 1),
                        },
                    )
                    for line in range(3)
                ],
            }
            for customer in customers
        ]
    )
    orders.action_confirm()
    record_values = []
    for month in range(args.months_due):
        day = start + relativedelta(months=month, days=9)
        for index, customer in enumerate(customers):
            for number in range(args.consumption):
                record_values.append(
                    {
                        "partner_id": customer.id,
                        "product_id": products[3 + number % 2].id,
                        "date": day,
                        "quantity": 1 + number,
                        "rate": 0.5 + (number % 3),
                        "external_ref": f"seed-{month}-{index}-{number}",
                    }
                )
    records = env["consumption.record"].create(record_values) if record_values else []
    if args.archived_customers:
        customers[: args.archived_customers].action_archive()
    print(json.dumps({"order_ids": orders.ids, "record_count": len(records)}))
