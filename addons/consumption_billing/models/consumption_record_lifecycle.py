from odoo import api, fields, models
from odoo.exceptions import AccessError

from .consumption_record import BILLING_ENGINE_WRITE

BILLING_STATES = [("to_bill", "To bill"), ("reserved", "Reserved"), ("billed", "Billed")]


class ConsumptionRecord(models.Model):
    """The life of a consumption record after its creation: where it stands in billing (*To bill*,
    *Reserved* on a draft invoice line or an order line not yet invoiced, *Billed*), who may bill it, and a
    chatter (who changed what it bills, attachments, activities).

    Records created in bulk post nothing: ``ingest()`` inserts by SQL, an import creates them without
    creation message nor tracking. The links the billing engine writes (thousands of records at once) are
    not tracked either: the invoice or the order line shows them.
    """

    _name = "consumption.record"
    _inherit = ["consumption.record", "mail.thread", "mail.activity.mixin"]

    partner_id = fields.Many2one(tracking=True)
    product_id = fields.Many2one(tracking=True)
    date = fields.Date(tracking=True)
    quantity = fields.Float(tracking=True)
    uom_id = fields.Many2one(tracking=True)
    has_rate = fields.Boolean(tracking=True)
    rate = fields.Float(tracking=True)
    billed = fields.Boolean(tracking=True)
    invoice_id = fields.Many2one(tracking=True)
    sale_line_id = fields.Many2one(tracking=True)
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

    def write(self, vals):
        # Odoo notes the tracked values before any write: a write of no tracked field (the engine linking
        # an invoice line) must not, or a later engine write in the transaction would be tracked.
        engine_write = self.env.context.get("consumption_billing_write") is BILLING_ENGINE_WRITE
        records = self
        if engine_write or not self._track_get_fields().intersection(vals):
            records = self.with_context(mail_notrack=True)
        return super(ConsumptionRecord, records).write(vals)

    def load(self, fields, data):
        return super(
            ConsumptionRecord,
            self.with_context(tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True),
        ).load(fields, data)

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
