"""Push consumption for one customer in many small committed calls, `--pause` seconds apart, as an
integrator's feed does.

Prints {"created": n}.
"""

import json
import time
from datetime import date

from odoo_env import environment, parse_args

from odoo.service.model import retrying

args = parse_args(
    {
        "--calls": {"type": int, "default": 30},
        "--rows": {"type": int, "default": 50},
        "--pause": {"type": float, "default": 0.2},
    }
)
created = 0
for call in range(args.calls):
    rows = [
        {
            "partner": "LIVE-CUST",
            "product": "LIVE-UNIT",
            "date": date.today().replace(day=1).isoformat(),
            "quantity": 1 + number % 5,
            "external_ref": f"live-{call}-{number}",
        }
        for number in range(args.rows)
    ]
    with environment(args.database) as env:
        result = retrying(lambda env=env, rows=rows: env["consumption.record"].ingest(rows), env)
        if result["errors"]:
            raise RuntimeError(result["errors"][:3])
        created += result["created"]
    time.sleep(args.pause)
print(json.dumps({"created": created}))
