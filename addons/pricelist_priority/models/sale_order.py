from odoo import models

from .billing_price_source_mixin import PRICE_SOURCE_WRITE


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _create_invoices(self, grouped=False, final=False, date=None):
        """Invoice lines take the price source of their order lines (``_prepare_invoice_line``)."""
        moves = super(
            SaleOrder, self.with_context(billing_price_source_write=PRICE_SOURCE_WRITE)
        )._create_invoices(grouped=grouped, final=final, date=date)
        return moves.with_env(self.env)
