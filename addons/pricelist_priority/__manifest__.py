{
    "name": "Price List Priority for Billing",
    "summary": "One price resolution for billed items: own rate, else price-list rule, else catalog price",
    "category": "Sales/Sales",
    "version": "19.0.1.0.0",
    "license": "LGPL-3",
    "author": "Usage Billing",
    "website": "https://github.com/usage-billing/odoo-usage-billing",
    "maintainers": ["usage-billing"],
    "development_status": "Beta",
    "images": ["static/description/icon.png"],
    "depends": ["sale_management", "account"],
    "data": [
        "security/ir.model.access.csv",
        "wizards/billing_price_preview_views.xml",
        "views/pricelist_priority_menus.xml",
        "views/sale_order_views.xml",
        "views/account_move_views.xml",
        "views/product_pricelist_views.xml",
        "views/res_partner_views.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "pricelist_priority/static/tests/tours/*.js",
        ],
    },
}
