from odoo import models

from .consumption_record import BILLING_ENGINE_WRITE


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "consumption.document.mixin"]

    def _action_cancel(self):
        """A cancelled order releases its consumption that no posted invoice billed (its draft invoices
        are cancelled by Odoo, which releases them there too)."""
        result = super()._action_cancel()
        # sudo: the records follow their order whoever cancels it; only the link is written.
        self.sudo().order_line.consumption_record_ids.filtered(lambda record: not record.billed).with_context(
            consumption_billing_write=BILLING_ENGINE_WRITE
        ).write({"sale_line_id": False})
        return result
