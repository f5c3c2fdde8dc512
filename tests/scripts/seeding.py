"""Seeding shared by the multi-process test scripts and the benchmarks."""

from dateutil.relativedelta import relativedelta

from odoo import fields


def seed_recurring_orders(
    env, orders_count, months_due=1, consumption=0, state="posted", archived_customers=0, prorated=False
):
    """Confirmed monthly recurring orders of 3 lines with `months_due` periods due (the first on the 1st of
    the month `months_due - 1` months ago), each customer with `consumption` records per due month
    (2 products, explicit rates), billed with the period. Returns (orders, consumption records).

    `prorated`: instead, orders prorating their partial periods, one in two with anniversary periods, from
    one month ago to today: two periods due each, the calendar ones cut by both dates, the anniversary ones
    by the end date (no consumption).

    The seeded orders become the only recurring ones of the database (demo orders would add invoices).
    """
    env = env(context={**env.context, "tracking_disable": True, "mail_create_nolog": True})
    env["sale.order"].search([("recurrence_enabled", "=", True)]).write({"recurrence_enabled": False})
    today = fields.Date.context_today(env.user)  # the generator's today, near midnight too
    start = today.replace(day=1) - relativedelta(months=months_due - 1)
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
            for index in range(orders_count)
        ]
    )
    schedules = [{"recurrence_date_start": start}] * orders_count
    if prorated:
        consumption = 0
        schedules = [
            {
                "recurrence_date_start": today - relativedelta(months=1),
                "recurrence_date_end": today,
                "recurrence_prorate": True,
                "recurrence_period_alignment": ("calendar", "anniversary")[index % 2],
            }
            for index in range(orders_count)
        ]
    orders = env["sale.order"].create(
        [
            {
                "partner_id": customer.id,
                "recurrence_enabled": True,
                "recurrence_frequency": "monthly",
                **schedule,
                "recurrence_invoice_state": state,
                "recurrence_subject": "Subscription {MMM} {YYYY}",
                "recurrence_date_preference": "period_start",
                "recurrence_consumption": "current" if consumption else "none",
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
            for customer, schedule in zip(customers, schedules, strict=True)
        ]
    )
    orders.action_confirm()
    record_values = []
    for month in range(months_due):
        day = start + relativedelta(months=month, days=9)
        for index, customer in enumerate(customers):
            for number in range(consumption):
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
    records = env["consumption.record"].create(record_values)
    if archived_customers:
        customers[:archived_customers].action_archive()
    return orders, records
