from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _get_invoice_extra_attachments(self, move):
        """The consumption statement goes with the invoice when the company asks for it."""
        attachments = super()._get_invoice_extra_attachments(move)
        if (
            move.company_id.consumption_statement_on_invoice_email
            and move.sudo().invoice_line_ids.consumption_record_ids
        ):
            # sudo: whoever sends the invoice sends its statement (the records are the invoice's detail).
            attachments |= self.env["consumption.statement"].sudo()._existing_or_new_attachment(move)
        return attachments
