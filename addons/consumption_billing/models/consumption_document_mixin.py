from odoo import fields, models
from odoo.exceptions import UserError

from ..report.consumption_statement import DOCUMENT_LINKS
from .consumption_record import BILLING_ENGINE_WRITE

# The document's lines that carry consumption records.
DOCUMENT_LINES = {"account.move": "invoice_line_ids", "sale.order": "order_line"}


class ConsumptionDocumentMixin(models.AbstractModel):
    """What an invoice or a sale order shows of the consumption billed on its lines: how many records,
    whether there is any, and the actions listing them and downloading their statement.

    The document's model names its link in ``DOCUMENT_LINKS``: the record field pointing at its line and
    the line's field pointing at the document.
    """

    _name = "consumption.document.mixin"
    _description = "Document Billing Consumption"

    consumption_record_count = fields.Integer(
        string="Consumption Records",
        compute="_compute_consumption_record_count",
        groups="consumption_billing.group_consumption_user",
    )
    has_consumption = fields.Boolean(
        compute="_compute_has_consumption",
        groups="consumption_billing.group_consumption_user",
        help="Consumption records are billed on this document's lines.",
    )

    def _consumption_path(self):
        """``invoice_line_id.move_id`` or ``sale_line_id.order_id``: from a record to this document."""
        return ".".join(DOCUMENT_LINKS[self._name])

    def _consumption_records(self):
        """The records billed on these documents' lines, as the release paths and posting update them:
        archived ones included (they were billed all the same), of each document's own company only,
        ready for the engine's writes.

        sudo: the records follow their document whoever posts, resets, cancels or invoices it (an
        accountant may not see every record in the company switcher); only their links are written, and
        a record of another company is never touched through a document."""
        record_field = DOCUMENT_LINKS[self._name][0]
        lines = self.sudo().with_context(active_test=False)[DOCUMENT_LINES[self._name]]
        return lines.consumption_record_ids.filtered(
            lambda record: record.company_id == record[record_field].company_id
        ).with_context(consumption_billing_write=BILLING_ENGINE_WRITE)

    def _consumption_party_changes(self, vals):
        """The documents of ``self`` whose customer (commercial entity), company or currency ``vals``
        changes: their consumption would be billed to another party than the one it was priced for."""
        if not {"partner_id", "company_id", "currency_id"}.intersection(vals):
            return self.browse()
        new_partner = self.env["res.partner"].browse(vals.get("partner_id"))

        def changes(document):
            return (
                "partner_id" in vals
                and new_partner.commercial_partner_id != document.partner_id.commercial_partner_id
            ) or any(
                fname in vals and vals[fname] != document[fname].id for fname in ("company_id", "currency_id")
            )

        return self.filtered(changes)

    def _check_consumption_party_change(self, vals):
        """Refuse to move a document that bills consumption to another customer, company or currency."""
        changing = self._consumption_party_changes(vals)
        if not changing:
            return
        path = self._consumption_path()
        # sudo: the document's consumption counts whoever edits it; only the document is named.
        billing = [
            document
            for [document] in self.env["consumption.record"]
            .sudo()
            ._read_group([(path, "in", changing.ids)], [path], limit=1)
        ]
        if billing:
            raise UserError(
                self.env._(
                    "%(document)s bills consumption of %(customer)s: remove its consumption lines first, "
                    "then change its customer, company or currency (the consumption goes back to billing).",
                    document=billing[0].with_env(self.env).display_name,
                    customer=billing[0].partner_id.commercial_partner_id.display_name,
                )
            )

    def _compute_consumption_record_count(self):
        path = self._consumption_path()
        counts = {
            document.id: count
            for document, count in self.env["consumption.record"]._read_group(
                [(path, "in", self.ids)], [path], ["__count"]
            )
        }
        for document in self:
            document.consumption_record_count = counts.get(document.id, 0)

    def _compute_has_consumption(self):
        with_consumption = self.env["consumption.statement"]._has_consumption(self)
        for document in self:
            document.has_consumption = document.id in with_consumption

    def action_view_consumption_records(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "consumption_billing.action_consumption_record"
        )
        action["domain"] = [(self._consumption_path(), "=", self.id)]
        action["context"] = {"create": False}
        return action

    def action_consumption_statement(self):
        """Download the consumption statement (XLSX) of the document."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/consumption_billing/statement/{self._name}/{self.id}",
            "target": "download",
        }
