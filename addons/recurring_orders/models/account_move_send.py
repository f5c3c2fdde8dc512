from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _get_default_mail_subject(self, move, mail_template, mail_lang):
        """A generated invoice with a subject is emailed under it (rendered in the invoiced partner's
        language when generated)."""
        if move.recurring_order_id and move.invoice_subject:
            return move.invoice_subject
        return super()._get_default_mail_subject(move, mail_template, mail_lang)
