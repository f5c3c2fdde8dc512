{
    "name": "Recurring Orders",
    "summary": "Sale orders that invoice themselves every period, with consumption and a tracking dashboard",
    "category": "Sales/Sales",
    "version": "19.0.1.2.1",
    "license": "LGPL-3",
    "author": "Usage Billing",
    "website": "https://github.com/usage-billing/odoo-usage-billing",
    "maintainers": ["usage-billing"],
    "development_status": "Beta",
    "images": ["static/description/dashboard.png"],
    "depends": ["consumption_billing"],
    "data": [
        "data/ir_cron.xml",
        "views/recurring_orders_menus.xml",
        "views/sale_order_views.xml",
        "views/product_template_views.xml",
        "views/account_move_views.xml",
        "report/report_invoice.xml",
        "security/ir.model.access.csv",
        "security/recurring_dashboard_security.xml",
        "views/recurring_dashboard_views.xml",
        "views/res_config_settings_views.xml",
        "views/portal_templates.xml",
    ],
    "demo": [
        "demo/recurring_orders_demo.xml",
        "demo/recurring_orders_portal_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "recurring_orders/static/src/dashboard/*",
        ],
        "web.assets_tests": [
            "recurring_orders/static/tests/tours/*.js",
        ],
    },
}
