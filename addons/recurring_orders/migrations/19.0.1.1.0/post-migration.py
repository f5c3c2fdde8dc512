from odoo import SUPERUSER_ID, api

# Copies of sale.order's own-documents rules: the rows now follow sale.order's rules themselves.
OBSOLETE_RULES = (
    "recurring_orders.recurring_dashboard_rule_own_orders",
    "recurring_orders.recurring_dashboard_rule_all_orders",
    "recurring_orders.recurring_revenue_report_rule_own_orders",
    "recurring_orders.recurring_revenue_report_rule_all_orders",
)


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid in OBSOLETE_RULES:
        rule = env.ref(xmlid, raise_if_not_found=False)
        if rule:
            rule.unlink()
    # The cron (kept as configured: noupdate) now calls its own entry point, the only one that commits.
    cron = env.ref("recurring_orders.ir_cron_generate_recurring_invoices", raise_if_not_found=False)
    if cron and (cron.code or "").strip() == "model._generate_recurring_invoices()":
        cron.code = "model._cron_generate_recurring_invoices()"
