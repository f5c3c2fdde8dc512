{
    "name": "Consumption Billing",
    "summary": "Record what customers consume and bill it into invoices and sale orders",
    "category": "Sales/Sales",
    "version": "19.0.1.0.0",
    "license": "LGPL-3",
    "author": "Usage Billing",
    "website": "https://github.com/usage-billing/odoo-usage-billing",
    "depends": ["pricelist_priority", "sale_management", "account"],
    "external_dependencies": {"python": ["xlsxwriter"]},
    "data": [
        "security/consumption_billing_groups.xml",
        "security/ir.model.access.csv",
        "security/consumption_billing_rules.xml",
        "views/consumption_billing_menus.xml",
        "views/consumption_record_views.xml",
        "views/res_partner_views.xml",
        "views/account_move_views.xml",
        "views/sale_order_views.xml",
        "views/res_config_settings_views.xml",
        "wizards/consumption_invoice_wizard_views.xml",
        "wizards/consumption_order_wizard_views.xml",
        "data/ir_actions_server.xml",
    ],
    "demo": [
        "demo/consumption_billing_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "consumption_billing/static/tests/tours/*.js",
        ],
    },
}
