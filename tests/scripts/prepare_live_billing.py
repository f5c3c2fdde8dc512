"""A customer and a product for the billing-while-ingesting scenario. Prints {}."""

import json

from odoo_env import environment, parse_args

args = parse_args()
with environment(args.database) as env:
    env["res.partner"].create({"name": "Live customer", "ref": "LIVE-CUST", "is_company": True})
    env["product.product"].create(
        {"name": "Live metered unit", "default_code": "LIVE-UNIT", "type": "service", "list_price": 2.0}
    )
    print(json.dumps({}))
