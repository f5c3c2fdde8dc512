"""Bill one customer's consumption of this month into sale orders, again and again, while it is being
pushed (the customer-account server action's wizard, one committed transaction per run): until
`--until-records` records of the feed exist (then one last run), or `--runs` runs when that is 0.

Prints {"orders": n, "runs": n}.
"""

import json
import time
from datetime import date

from dateutil.relativedelta import relativedelta
from odoo_env import environment, parse_args

from odoo.exceptions import UserError
from odoo.service.model import retrying

args = parse_args(
    {
        "--runs": {"type": int, "default": 1},
        "--until-records": {"type": int, "default": 0},
        "--timeout": {"type": float, "default": 300},
    }
)
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


def records_pushed(env):
    env.cr.execute("SELECT count(*) FROM consumption_record WHERE external_ref LIKE 'live-%%'")
    return env.cr.fetchone()[0]


runs, deadline, feed_done = 0, time.monotonic() + args.timeout, not args.until_records
while True:
    with environment(args.database) as env:
        if not feed_done:
            feed_done = records_pushed(env) >= args.until_records
        orders += retrying(lambda env=env: bill(env), env)
    runs += 1
    if (feed_done and runs >= args.runs) or time.monotonic() > deadline:
        break
    time.sleep(0.1)
print(json.dumps({"orders": orders, "runs": runs}))
