"""Make a database copy run recurring generation the way Odoo's cron runner does without queue_job: the
bridge ``recurring_orders_queue_job`` uninstalled, then the cron *Generate recurring invoices* triggered to
run at once (a server's cron worker takes it at the notification).

    cron_runner_prepare.py --database DB --addons-path PATHS --step uninstall|trigger

``trigger`` prints {"started": time.time() when the trigger was committed}.
"""

import json
import time

from odoo_env import environment, parse_args

args = parse_args({"--step": {"required": True, "choices": ("uninstall", "trigger")}})
with environment(args.database) as env:
    if args.step == "uninstall":
        env["ir.module.module"].search(
            [("name", "=", "recurring_orders_queue_job")]
        ).button_immediate_uninstall()
    else:
        cron = env.ref("recurring_orders.ir_cron_generate_recurring_invoices")
        cron._trigger()
        env.cr.commit()
        print(json.dumps({"started": time.time()}))
