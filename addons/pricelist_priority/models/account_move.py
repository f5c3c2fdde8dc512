from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def action_update_fpos_values(self):
        """A new fiscal position converts prices between taxes included and excluded: the same price, not
        one set by hand."""
        return super(AccountMove, self.with_context(billing_price_converted=True)).action_update_fpos_values()
