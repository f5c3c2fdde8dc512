from odoo import fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    has_consumption = fields.Boolean(
        compute="_compute_has_consumption", groups="consumption_billing.group_consumption_user",
        help="Consumption records are billed on this order's lines.",
    )

    def _compute_has_consumption(self):
        with_consumption = self.env["consumption.statement"]._has_consumption(self)
        for order in self:
            order.has_consumption = order.id in with_consumption

    def action_consumption_statement(self):
        """Download the consumption statement (XLSX) of the order."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/consumption_billing/statement/sale.order/{self.id}",
            "target": "download",
        }
