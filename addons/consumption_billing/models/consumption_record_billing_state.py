from odoo import api, fields, models
from odoo.exceptions import AccessError

BILLING_STATES = [("to_bill", "To bill"), ("reserved", "Reserved"), ("billed", "Billed")]


class ConsumptionRecord(models.Model):
    """Where a record stands: *To bill*, *Reserved* (on a draft invoice line or on an order line not yet
    invoiced: no other billing takes it) or *Billed*."""

    _inherit = "consumption.record"

    billing_state = fields.Selection(
        BILLING_STATES,
        string="Billing Status",
        compute="_compute_billing_state",
        store=True,
        index=True,
        help="To bill: the next billing takes it. Reserved: on a draft invoice line or on an order line not "
        "yet invoiced. Billed: on a posted invoice, or marked billed.",
    )

    @api.depends("billed", "invoice_id", "invoice_line_id", "sale_line_id")
    def _compute_billing_state(self):
        for record in self:
            if record.billed or record.invoice_id:
                record.billing_state = "billed"
            elif record.invoice_line_id or record.sale_line_id:
                record.billing_state = "reserved"
            else:
                record.billing_state = "to_bill"

    def init(self):
        # ingest() inserts rows by SQL: they are unbilled and unlinked, so the column's default is theirs.
        self.env.cr.execute("ALTER TABLE consumption_record ALTER COLUMN billing_state SET DEFAULT 'to_bill'")

    @api.model
    def _ingest_insert(self, parsed):
        ids = super()._ingest_insert(parsed)
        # Rows inserted by SQL hold the column default: no recomputation (no second write of every row).
        self.env.remove_to_compute(self._fields["billing_state"], self.browse(ids))
        return ids

    @api.model
    def _check_billing_access(self):
        """Billing consumption (into an invoice or sale orders) is for billing users: every salesperson
        records and reads consumption, not every salesperson bills it."""
        if not (self.env.su or self.env.user.has_group("account.group_account_invoice")):
            raise AccessError(
                self.env._(
                    "Only billing users (Invoicing / Billing) can bill consumption into invoices or sale "
                    "orders. You can record and read consumption: ask a billing user to bill it."
                )
            )
