from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    consumption_statement_on_invoice_email = fields.Boolean(
        related="company_id.consumption_statement_on_invoice_email",
        readonly=False,
    )
    consumption_portal = fields.Boolean(related="company_id.consumption_portal", readonly=False)
