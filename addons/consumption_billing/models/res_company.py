from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    consumption_statement_on_invoice_email = fields.Boolean(
        string="Consumption Statement on Invoice Emails",
        help="Attach the consumption statement (XLSX) to the emails sending invoices that bill consumption.",
    )
