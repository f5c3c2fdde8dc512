"""Consumption sources on a database, as the cron worker runs them.

--action prepare: a customer, a product, a storage on --folder and two sources: one reading
  cdr_*.csv files of that folder, one HTTP source on a closed port (always failing). Prints their ids.
--action cron: runs the scheduled action "Fetch consumption sources" as the scheduler does (its own
  cursor, commits per batch); with consumption_billing_queue_job installed, it only enqueues the jobs.
--action run-due: runs every due source at once by the scheduled action's own path, whether or not the
  bridge makes the action enqueue jobs.
Both make every source due first, and print {"runs": [[source id, state, rows_created, error], ...]}.
"""

import json
import socket

from odoo_env import environment, parse_args

args = parse_args({"--action": {"required": True}, "--folder": {"default": ""}})
if args.action == "prepare":
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with environment(args.database) as env:
        env["res.partner"].create({"name": "CDR customer", "ref": "CDR-CUST", "is_company": True})
        env["product.product"].create({"name": "Minutes", "default_code": "CDR-MIN", "type": "service"})
        storage = env["fs.storage"].create(
            {"name": "CDR folder", "code": "cdr_folder", "protocol": "file", "directory_path": args.folder}
        )
        admin = env.ref("base.user_admin")
        sources = env["consumption.source"].create(
            [
                {
                    "name": "CDR files",
                    "kind": "storage",
                    "storage_id": storage.id,
                    "file_pattern": "cdr_*.csv",
                    "file_format": "csv",
                    "user_id": admin.id,
                    "interval_type": "minutes",
                },
                {
                    "name": "Unreachable API",
                    "url": f"http://127.0.0.1:{closed_port}/usage",
                    "timeout": 2,
                    "user_id": admin.id,
                    "interval_type": "minutes",
                },
            ]
        )
        print(json.dumps({"files": sources[0].id, "unreachable": sources[1].id}))
elif args.action in ("cron", "run-due"):
    with environment(args.database) as env:
        env["consumption.source"].search([]).write({"last_run_at": False})  # all due now
        env.cr.commit()
        if args.action == "cron":
            env.ref("consumption_billing.ir_cron_fetch_consumption_sources").method_direct_trigger()
        else:
            env["consumption.source"]._run_due_sources(commit=True)
    with environment(args.database) as env:
        runs = env["consumption.source.run"].search([], order="id")
        print(
            json.dumps(
                {"runs": [[run.source_id.id, run.state, run.rows_created, run.error_message] for run in runs]}
            )
        )
