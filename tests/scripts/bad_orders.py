"""Make three seeded orders bad, each in its own way, fix them, or read their dashboard rows.

--action break: the first order's customer is archived; the second order gets a line of a retired
(archived) product whose income account has been archived; the third order's invoices are to be emailed
and its customer has no email address.
--action fix: the customer reactivated, the income account reactivated, an email address given.
--action dashboard: the orders' rows of the recurring dashboard.
Prints {"orders": [...]} (break, fix) or {"rows": {order id: {...}}} (dashboard).
"""

import json

from odoo_env import environment, parse_args

args = parse_args(
    {
        "--action": {"choices": ["break", "fix", "dashboard"], "required": True},
        "--orders": {"type": int, "nargs": 3, "required": True},
    }
)
with environment(args.database) as env:
    archived_customer, retired_product, no_email = env["sale.order"].browse(args.orders)
    account_code = "RETIRED1"
    if args.action == "break":
        archived_customer.partner_id.active = False
        account = env["account.account"].create(
            {"name": "Retired services", "code": account_code, "account_type": "income"}
        )
        product = env["product.product"].create(
            {
                "name": "Retired service",
                "type": "service",
                "list_price": 7.0,
                "invoice_policy": "order",
                "property_account_income_id": account.id,
            }
        )
        retired_product.order_line = [(0, 0, {"product_id": product.id, "product_uom_qty": 1})]
        product.active = False
        account.active = False
        no_email.recurrence_invoice_state = "sent"
        no_email.partner_id.email = False
        print(json.dumps({"orders": args.orders}))
    elif args.action == "fix":
        archived_customer.partner_id.active = True
        Account = env["account.account"].with_context(active_test=False)
        Account.search([("code", "=", account_code)]).active = True
        no_email.partner_id.email = "fixed@example.com"
        print(json.dumps({"orders": args.orders}))
    else:
        rows = env["recurring.dashboard"].search_read(
            [("order_id", "in", args.orders)],
            ["order_id", "has_generation_error", "generation_error", "problem_count"],
        )
        print(json.dumps({"rows": {row["order_id"][0]: row for row in rows}}, default=str))
