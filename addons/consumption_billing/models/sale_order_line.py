from odoo import fields, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    consumption_record_ids = fields.One2many(
        "consumption.record", "sale_line_id", string="Consumption",
        groups="consumption_billing.group_consumption_user",
        help="Consumption billed on this line.",
    )
