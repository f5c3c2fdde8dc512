from odoo import fields, models

from .consumption_record import BILLING_ENGINE_WRITE


class SaleOrder(models.Model):
    _inherit = "sale.order"

    consumption_record_count = fields.Integer(
        string="Consumption Records",
        compute="_compute_consumption_record_count",
        groups="consumption_billing.group_consumption_user",
    )

    has_consumption = fields.Boolean(
        compute="_compute_has_consumption", groups="consumption_billing.group_consumption_user",
        help="Consumption records are billed on this order's lines.",
    )

    def _compute_consumption_record_count(self):
        counts = dict(
            self.env["consumption.record"]._read_group(
                [("sale_line_id.order_id", "in", self.ids)],
                ["sale_line_id"],
                ["__count"],
            )
        )
        for order in self:
            order.consumption_record_count = sum(
                count for line, count in counts.items() if line.order_id == order
            )

    def _compute_has_consumption(self):
        with_consumption = self.env["consumption.statement"]._has_consumption(self)
        for order in self:
            order.has_consumption = order.id in with_consumption

    def _action_cancel(self):
        """A cancelled order releases its consumption that no posted invoice billed (its draft invoices
        are cancelled by Odoo, which releases them there too)."""
        result = super()._action_cancel()
        # sudo: the records follow their order whoever cancels it; only the link is written.
        self.sudo().order_line.consumption_record_ids.filtered(lambda record: not record.billed).with_context(
            consumption_billing_write=BILLING_ENGINE_WRITE
        ).write({"sale_line_id": False})
        return result

    def action_view_consumption_records(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "consumption_billing.action_consumption_record"
        )
        action["domain"] = [("sale_line_id.order_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def action_consumption_statement(self):
        """Download the consumption statement (XLSX) of the order."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/consumption_billing/statement/sale.order/{self.id}",
            "target": "download",
        }
