{
    "name": "Consumption Billing - Files in a Storage",
    "summary": "Fetch consumption from files in a local folder, SFTP, FTP or S3 storage (fs_storage)",
    "category": "Sales/Sales",
    "version": "19.0.1.0.0",
    "license": "LGPL-3",
    "author": "Usage Billing",
    "website": "https://github.com/usage-billing/odoo-usage-billing",
    "maintainers": ["usage-billing"],
    "development_status": "Beta",
    "images": ["static/description/icon.png"],
    "depends": ["consumption_billing", "fs_storage"],
    "data": [
        "views/consumption_source_views.xml",
    ],
    "auto_install": True,
}
