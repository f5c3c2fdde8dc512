from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    recurring_portal_orders = fields.Selection(related="company_id.recurring_portal_orders", readonly=False)
