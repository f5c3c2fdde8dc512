"""Who may write what on a consumption record.

- The links to the document lines billing a record (ENGINE_FIELDS) are written by the billing engine and
  its release paths only, recognized by BILLING_ENGINE_WRITE in the context (a Python object no RPC,
  import or context default can carry), and always to a line of the record's own company.
- A user may still tick *Billed* to keep a record out of every billing, or choose by hand the posted
  customer invoice of the same customer and company that billed it.
- A record on a posted invoice is frozen (billing fields and description), a record reserved by a draft
  invoice line or an order line keeps its billing fields; neither can be deleted.
"""

from odoo import api, models
from odoo.exceptions import UserError, ValidationError

from .consumption_record import (
    BILLING_ENGINE_WRITE,
    BILLING_FIELDS,
    ENGINE_FIELDS,
    NUMBER_MAX,
    POSTED_FIELDS,
)

# Fields pointing at a billing document, and the document's model.
LINK_FIELDS = ("invoice_line_id", "sale_line_id", "invoice_id")
NUMBER_FIELDS = ("quantity", "rate")


class ConsumptionRecord(models.Model):
    _inherit = "consumption.record"

    @api.model
    def _is_billing_engine(self):
        return self.env.context.get("consumption_billing_write") is BILLING_ENGINE_WRITE

    @api.model_create_multi
    def create(self, vals_list):
        engine = self._is_billing_engine()
        for vals in vals_list:
            self._check_number_values(vals)
            if not engine:
                given = {fname for fname in ENGINE_FIELDS if vals.get(fname)}
                given |= {fname for fname in ENGINE_FIELDS if self.env.context.get(f"default_{fname}")}
                if given:
                    raise UserError(self._engine_fields_message(given))
        records = super().create(vals_list)
        if engine:
            records._check_link_companies()
        else:
            # The stored values too: an ir.default could also give links.
            records._check_no_engine_links()
            records.filtered("invoice_id")._check_invoices_chosen_by_hand()
        return records

    def write(self, vals):
        self._check_number_values(vals)
        if self._is_billing_engine():
            result = super().write(vals)
            if any(vals.get(fname) for fname in LINK_FIELDS):
                self._check_link_companies()
            return result
        engine_fields = ENGINE_FIELDS.intersection(vals)
        if engine_fields:
            raise UserError(self._engine_fields_message(engine_fields))
        self._check_not_locked(vals)
        if vals.get("invoice_id"):
            self._check_invoices_chosen_by_hand(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced_or_reserved(self):
        self._check_not_locked(None)

    # ------------------------------------------------------------------------------------------------

    @api.model
    def _check_number_values(self, vals):
        """NaN, infinities and huge numbers are typos or attacks: refused before anything is stored (the
        database constraint would only see them after Python failed to round them)."""
        for fname in NUMBER_FIELDS:
            value = vals.get(fname)
            # "not <=": also true for NaN; exact for integers too large for a float.
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                if not abs(value) <= NUMBER_MAX:
                    raise ValidationError(
                        self.env._(
                            "%(field)s of a consumption must be a finite number of at most %(max)s; got "
                            "%(value)s.",
                            field=self._fields[fname]._description_string(self.env),
                            max=f"{NUMBER_MAX:g}",
                            value=value,
                        )
                    )

    @api.model
    def _engine_fields_message(self, fnames):
        return self.env._(
            "%(fields)s of a consumption record are set by billing only (adding consumption to an invoice "
            "or an order, posting, resetting or cancelling the document): they cannot be written "
            "directly. To keep a record out of billing, tick Billed.",
            fields=", ".join(
                sorted(self._fields[fname]._description_string(self.env) for fname in fnames)
            ),
        )

    def _check_no_engine_links(self):
        linked = self.filtered(lambda record: record.invoice_line_id or record.sale_line_id)
        if linked:
            raise UserError(
                self._engine_fields_message(
                    [fname for fname in ENGINE_FIELDS if any(linked.mapped(fname))]
                )
            )

    def _check_link_companies(self):
        """A record is billed in its own company only, whoever links it. sudo: only the documents'
        companies are read."""
        for record in self.sudo():
            for fname in LINK_FIELDS:
                document = record[fname]
                if document and document.company_id != record.company_id:
                    raise UserError(
                        self.env._(
                            "%(record)s belongs to %(company)s: it cannot be billed by %(document)s of "
                            "another company.",
                            record=record.display_name,
                            company=record.company_id.display_name,
                            document=document.display_name,
                        )
                    )

    def _check_invoices_chosen_by_hand(self, vals=None):
        """An invoice chosen by hand says where a record was billed: a posted customer invoice of the
        record's customer and company, that the user can read. With ``vals``, checked before they are
        written."""
        vals = vals or {}
        for record in self:
            invoice = record.invoice_id.browse(vals["invoice_id"]) if "invoice_id" in vals else record.invoice_id
            partner = record.partner_id.browse(vals["partner_id"]) if "partner_id" in vals else record.partner_id
            company = record.company_id.browse(vals["company_id"]) if "company_id" in vals else record.company_id
            invoice.check_access("read")
            if not (
                invoice.move_type == "out_invoice"
                and invoice.state == "posted"
                and invoice.company_id == company
                and invoice.commercial_partner_id == partner.commercial_partner_id
            ):
                raise UserError(
                    self.env._(
                        "The invoice of %(record)s must be a posted customer invoice of %(customer)s in "
                        "%(company)s; %(invoice)s is not one. Leave the invoice empty and tick Billed to "
                        "keep the record out of billing.",
                        record=record.display_name,
                        customer=partner.commercial_partner_id.display_name,
                        company=company.display_name,
                        invoice=invoice.display_name,
                    )
                )

    def _check_not_locked(self, vals):
        """Refuse to change (``vals``) or delete (``vals`` None) a record that a posted invoice billed or
        a document line reserves."""
        if vals is None:
            action = self.env._("delete it")
        elif POSTED_FIELDS.intersection(vals):
            action = self.env._("edit its billing fields or description")
        else:
            return
        # sudo: the user may not read invoices or orders; only their names are shown.
        locked = self.sudo().filtered("is_locked")
        if locked:
            record = locked[0]
            raise UserError(
                self.env._(
                    "%(record)s is billed on the posted invoice %(invoice)s: you cannot %(action)s. Reset "
                    "the invoice to draft or cancel it first; a credit note does not release it. "
                    "Archiving hides the record but leaves it billed.",
                    record=record.display_name,
                    invoice=(record.invoice_id or record.invoice_line_id.move_id).display_name,
                    action=action,
                )
            )
        if vals is not None and not BILLING_FIELDS.intersection(vals):
            return
        reserved = self.sudo().filtered("is_reserved")
        if reserved:
            record = reserved[0]
            raise UserError(
                self.env._(
                    "%(record)s is reserved by %(document)s: you cannot %(action)s. Remove its line from "
                    "the document, or delete or cancel the document first.",
                    record=record.display_name,
                    document=(record.invoice_line_id.move_id or record.sale_line_id.order_id).display_name,
                    action=self.env._("delete it")
                    if vals is None
                    else self.env._("edit its billing fields"),
                )
            )
