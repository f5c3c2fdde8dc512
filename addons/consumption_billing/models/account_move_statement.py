from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    has_consumption = fields.Boolean(
        compute="_compute_has_consumption", groups="consumption_billing.group_consumption_user",
        help="Consumption records are billed on this document's lines.",
    )

    def _compute_has_consumption(self):
        with_consumption = self.env["consumption.statement"]._has_consumption(self)
        for move in self:
            move.has_consumption = move.id in with_consumption

    def action_consumption_statement(self):
        """Download the consumption statement (XLSX) of the invoice."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/consumption_billing/statement/account.move/{self.id}",
            "target": "download",
        }
