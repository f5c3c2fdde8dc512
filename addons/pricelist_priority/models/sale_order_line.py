from odoo import models


class SaleOrderLine(models.Model):
    _name = "sale.order.line"
    _inherit = ["sale.order.line", "billing.price.source.mixin"]

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
