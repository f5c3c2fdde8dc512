"""Prepare a database for ingestion through the API: a customer, two products, an API key for admin.

Prints {"api_key": "...", "partner_ref": "...", "product_codes": [...]}.
"""

import json

from odoo_env import environment, parse_args

args = parse_args()
with environment(args.database) as env:
    env["res.partner"].create({"name": "API customer", "ref": "API-CUST", "is_company": True})
    env["product.product"].create(
        [
            {"name": f"API metered {code}", "default_code": code, "type": "service", "list_price": 1.0}
            for code in ("API-UNIT", "API-CALL")
        ]
    )
    admin = env.ref("base.user_admin")
    key = env["res.users.apikeys"].with_user(admin).sudo()._generate(None, "ingestion test", None)
    print(json.dumps({"api_key": key, "partner_ref": "API-CUST", "product_codes": ["API-UNIT", "API-CALL"]}))
