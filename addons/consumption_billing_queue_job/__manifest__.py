{
    "name": "Consumption Billing through Queue Jobs",
    "summary": "Fetch consumption sources and bill many customers into sale orders with queue_job",
    "category": "Sales/Sales",
    "version": "19.0.1.0.0",
    "license": "LGPL-3",
    "author": "Usage Billing",
    "website": "https://github.com/usage-billing/odoo-usage-billing",
    "maintainers": ["usage-billing"],
    "development_status": "Beta",
    "images": ["static/description/icon.png"],
    "depends": ["consumption_billing", "queue_job"],
    "data": [
        "data/queue_job_data.xml",
        "data/ir_config_parameter_data.xml",
    ],
    "auto_install": True,
}
