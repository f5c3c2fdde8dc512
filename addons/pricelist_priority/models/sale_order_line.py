from odoo import models

from .billing_price_source_mixin import RESOLVED_SOURCES


class SaleOrderLine(models.Model):
    _name = "sale.order.line"
    _inherit = ["sale.order.line", "billing.price.source.mixin"]

    def _compute_price_unit(self):
        """A resolved billing price is kept like a price set by hand: a new quantity does not make Odoo's
        price list replace it (an explicit rate would be lost). "Update Prices" still reprices, and so do a
        new product or unit (in a form, compared with the saved line; ``write`` clears the source)."""
        if self.env.context.get("force_price_recomputation"):
            return super()._compute_price_unit()
        kept = self.filtered(
            lambda line: (
                line.price_source in RESOLVED_SOURCES
                and line.product_id == line._origin.product_id
                and line.product_uom_id == line._origin.product_uom_id
            )
        )
        return super(SaleOrderLine, self - kept)._compute_price_unit()

    def _reset_price_unit(self):
        """Odoo's price list made the price: no billing source explains it."""
        result = super()._reset_price_unit()
        self.price_source = False
        return result

    def _given_price(self, vals):
        """Odoo's own test of a manual price: the price computed for the line (``technical_price_unit``)."""
        return vals.get("technical_price_unit", self.technical_price_unit)

    def _prepare_invoice_line(self, **optional_values):
        """The invoice line keeps the price of the order line, so it keeps its source too."""
        values = super()._prepare_invoice_line(**optional_values)
        if (
            self.price_source
            and values.get("display_type") == "product"
            and "price_source" not in optional_values
        ):
            values["price_source"] = self.price_source
        return values
