from odoo import models

from .consumption_record import BILLING_ENGINE_WRITE


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "consumption.document.mixin"]

    def write(self, vals):
        self._check_consumption_party_change(vals)
        return super().write(vals)

    def _consumption_party_changes(self, vals):
        """A new price list brings its currency."""
        if "pricelist_id" in vals and "currency_id" not in vals:
            pricelist = self.env["product.pricelist"].browse(vals["pricelist_id"])
            changing = self.browse()
            if pricelist:
                changing = self.filtered(lambda order: pricelist.currency_id != order.currency_id)
            return changing | super()._consumption_party_changes(vals)
        return super()._consumption_party_changes(vals)

    def _action_cancel(self):
        """A cancelled order releases its consumption that no posted invoice billed (its draft invoices
        are cancelled by Odoo, which releases them there too), archived records included."""
        result = super()._action_cancel()
        self._consumption_records().filtered(lambda record: not record.billed).write({"sale_line_id": False})
        return result

    def _create_invoices(self, grouped=False, final=False, date=None):
        """The invoice lines take over the consumption of their order lines (see
        ``sale.order.line._prepare_invoice_line``): a link only the engine writes."""
        moves = super(
            SaleOrder, self.with_context(consumption_billing_write=BILLING_ENGINE_WRITE)
        )._create_invoices(grouped=grouped, final=final, date=date)
        return moves.with_env(self.env)
