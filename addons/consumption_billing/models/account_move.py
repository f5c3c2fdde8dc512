from odoo import fields, models

from .consumption_record import BILLING_ENGINE_WRITE


class AccountMove(models.Model):
    _inherit = "account.move"

    consumption_record_count = fields.Integer(
        string="Consumption Records",
        compute="_compute_consumption_record_count",
        groups="consumption_billing.group_consumption_user",
    )

    has_consumption = fields.Boolean(
        compute="_compute_has_consumption", groups="consumption_billing.group_consumption_user",
        help="Consumption records are billed on this document's lines.",
    )

    def _compute_consumption_record_count(self):
        counts = dict(
            self.env["consumption.record"]._read_group(
                [("invoice_line_id.move_id", "in", self.ids)],
                ["invoice_line_id"],
                ["__count"],
            )
        )
        for move in self:
            move.consumption_record_count = sum(
                count for line, count in counts.items() if line.move_id == move
            )

    def _compute_has_consumption(self):
        with_consumption = self.env["consumption.statement"]._has_consumption(self)
        for move in self:
            move.has_consumption = move.id in with_consumption

    def _consumption_records(self):
        # sudo: the records follow their invoice whoever posts, resets or cancels it (an accountant may
        # work in a company switcher state where some records are hidden); only links are written.
        return self.sudo().invoice_line_ids.consumption_record_ids.with_context(
            consumption_billing_write=BILLING_ENGINE_WRITE
        )

    def _post(self, soft=True):
        """Posting a customer invoice bills its consumption: billed, and pointing at the invoice."""
        posted = super()._post(soft)
        for move in posted.filtered(lambda move: move.move_type == "out_invoice"):
            move._consumption_records().write({"billed": True, "invoice_id": move.id})
        return posted

    def button_draft(self):
        """Back to draft: the consumption is reserved by the invoice again, no longer billed."""
        billed = self._consumption_records().filtered(lambda record: record.invoice_id in self)
        result = super().button_draft()
        billed.write({"billed": False, "invoice_id": False})
        return result

    def button_cancel(self):
        """A cancelled invoice releases its consumption: it is unbilled again, for the next billing
        (records that came through a sale order stay reserved by their order line)."""
        records = self._consumption_records()
        result = super().button_cancel()
        records.write({"billed": False, "invoice_id": False, "invoice_line_id": False})
        return result

    def action_add_consumption(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Add consumption"),
            "res_model": "consumption.invoice.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_id": self.id},
        }

    def action_view_consumption_records(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "consumption_billing.action_consumption_record"
        )
        action["domain"] = [("invoice_line_id.move_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def action_consumption_statement(self):
        """Download the consumption statement (XLSX) of the invoice."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/consumption_billing/statement/account.move/{self.id}",
            "target": "download",
        }
