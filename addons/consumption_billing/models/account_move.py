from collections import defaultdict

from odoo import models


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "consumption.document.mixin"]

    def write(self, vals):
        self._check_consumption_party_change(vals)
        return super().write(vals)

    def _post(self, soft=True):
        """Posting a customer invoice bills its consumption: billed, and pointing at the invoice."""
        posted = super()._post(soft)
        invoices = posted.filtered(lambda move: move.move_type == "out_invoice")
        records = invoices._consumption_records()
        ids_by_invoice = defaultdict(list)
        for record in records:
            ids_by_invoice[record.invoice_line_id.move_id.id].append(record.id)
        for invoice_id, record_ids in ids_by_invoice.items():
            records.browse(record_ids).write({"billed": True, "invoice_id": invoice_id})
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
