{
    "name": "Recurring Orders through Queue Jobs",
    "summary": "Spread the daily generation of recurring invoices over every worker with queue_job",
    "category": "Sales/Sales",
    "version": "19.0.1.1.0",
    "license": "LGPL-3",
    "author": "Usage Billing",
    "website": "https://github.com/usage-billing/odoo-usage-billing",
    "maintainers": ["usage-billing"],
    "development_status": "Beta",
    "images": ["static/description/icon.png"],
    "depends": ["recurring_orders", "queue_job", "consumption_billing_queue_job"],
    "data": [
        "data/queue_job_data.xml",
        "data/ir_config_parameter_data.xml",
    ],
    "auto_install": True,
}
