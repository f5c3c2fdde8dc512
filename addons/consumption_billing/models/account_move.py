from odoo import models

from .consumption_record import BILLING_ENGINE_WRITE


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "consumption.document.mixin"]

    def _consumption_records(self):
        # sudo: the records follow their invoice whoever posts, resets or cancels it (an accountant may
        # work in a company switcher state where some records are hidden); only links are written.
        return self.sudo().invoice_line_ids.consumption_record_ids.with_context(
            consumption_billing_write=BILLING_ENGINE_WRITE
        )

    def write(self, vals):
        self._check_consumption_party_change(vals)
        return super().write(vals)

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
        self.env["consumption.record"]._check_billing_access()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Add consumption"),
            "res_model": "consumption.invoice.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_id": self.id},
        }
