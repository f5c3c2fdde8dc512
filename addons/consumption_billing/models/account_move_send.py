from odoo import api, models

from ..report.consumption_statement import XLSX_MIMETYPE


class AccountMoveSend(models.AbstractModel):
    """Attach the consumption statement to invoice emails when the company asks for it.

    The statement is not a legal document of the invoice, so it is not added through
    `_get_invoice_extra_attachments` (which also feeds the portal's legal documents and the chatter of
    the invoice): it shows in the sending wizard as a placeholder, like the invoice PDF before it is
    generated, and is built when the email is sent, from the records billed at that moment. Removing it
    from the wizard's attachments leaves it out of the email."""

    _inherit = "account.move.send"

    @api.model
    def _sends_consumption_statement(self, move):
        """Whether the email of this invoice carries its consumption statement: the company's setting is on
        and the invoice bills consumption the sender can read (a sender without consumption rights sends
        the invoice without it rather than being blocked)."""
        return bool(
            move.company_id.consumption_statement_on_invoice_email
            and move.is_sale_document()
            and self.env["consumption.record"].has_access("read")
            and self.env["consumption.statement"]._has_consumption(move.with_env(self.env))
        )

    @api.model
    def _get_placeholder_mail_attachments_data(
        self, move, invoice_edi_format=None, extra_edis=None, pdf_report=None
    ):
        placeholders = super()._get_placeholder_mail_attachments_data(
            move,
            invoice_edi_format=invoice_edi_format,
            extra_edis=extra_edis,
            pdf_report=pdf_report,
        )
        if self._sends_consumption_statement(move):
            filename = self.env["consumption.statement"]._statement_filename(move)
            placeholders.append(
                {
                    "id": f"placeholder_{filename}",
                    "name": filename,
                    "mimetype": XLSX_MIMETYPE,
                    "placeholder": True,
                }
            )
        return placeholders

    @api.model
    def _get_mail_params(self, move, move_data):
        params = super()._get_mail_params(move, move_data)
        if not params or not self._sends_consumption_statement(move):
            return params
        statement = self.env["consumption.statement"]
        filename = statement._statement_filename(move)
        removed = any(
            attachment.get("skip") and attachment.get("name") == filename
            for attachment in move_data.get("mail_attachments_widget") or []
        )
        if not removed:
            params["attachments"].append(statement._build_statement(move.with_env(self.env)))
        return params
