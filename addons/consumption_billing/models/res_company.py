from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    consumption_statement_on_invoice_email = fields.Boolean(
        string="Attach the consumption statement to invoice emails",
        help="When an invoice that bills consumption is sent, its consumption statement (XLSX) is attached.",
    )
