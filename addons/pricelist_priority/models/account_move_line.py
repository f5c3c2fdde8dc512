from odoo import models


class AccountMoveLine(models.Model):
    _name = "account.move.line"
    _inherit = ["account.move.line", "billing.price.source.mixin"]

    def _compute_price_unit(self):
        """Odoo's catalog price for a new product or unit: no billing source explains it."""
        result = super()._compute_price_unit()
        self.filtered(lambda line: line.product_id and line.price_source).price_source = False
        return result

    def _is_price_source_frozen(self):
        return self.parent_state == "posted"
