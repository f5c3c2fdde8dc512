"""Bill one customer's consumption of this month into sale orders, again and again, while it is being
pushed (the customer-account server action's wizard, one committed transaction per run).

Prints {"orders": n}.
"""

import json
from datetime import date

from dateutil.relativedelta import relativedelta
from odoo_env import environment, parse_args

from odoo.exceptions import UserError
from odoo.service.model import retrying

args = parse_args({"--runs": {"type": int, "default": 15}})
first = date.today().replace(day=1)
orders = 0


def bill(env):
    customer = env["res.partner"].search([("ref", "=", "LIVE-CUST")])
    wizard = env["consumption.order.wizard"].create(
        {"partner_ids": [(6, 0, customer.ids)], "date_from": first, "date_to": first + relativedelta(day=31)}
    )
    try:
        wizard.action_create_orders()
    except UserError:
        return 0  # nothing unbilled at this instant
    return 1


for _run in range(args.runs):
    with environment(args.database) as env:
        orders += retrying(lambda env=env: bill(env), env)
print(json.dumps({"orders": orders}))
