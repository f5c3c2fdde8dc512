from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    consumption_statement_on_invoice_email = fields.Boolean(
        string="Consumption Statement on Invoice Emails",
        help="Attach the consumption statement (XLSX) to the emails sending invoices that bill consumption.",
    )
    consumption_portal = fields.Boolean(
        string="Consumption on the Customer Portal",
        default=True,
        help="Customers' portal users see their consumption records (My Consumption) and can download them.",
    )
