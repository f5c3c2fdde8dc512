from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    consumption_record_ids = fields.One2many(
        "consumption.record",
        "invoice_line_id",
        string="Consumption",
        groups="consumption_billing.group_consumption_user",
        help="Consumption billed on this line.",
    )
