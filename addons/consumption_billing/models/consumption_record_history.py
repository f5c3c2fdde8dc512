from odoo import fields, models

from .consumption_record import BILLING_ENGINE_WRITE


class ConsumptionRecord(models.Model):
    """A chatter on consumption records: who changed what a record bills, attachments and activities.

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

    def write(self, vals):
        # Odoo notes the tracked values before any write: a write of no tracked field (the engine linking
        # an invoice line) must not, or a later engine write in the transaction would be tracked.
        records = self
        if (
            self.env.context.get("consumption_billing_write") is BILLING_ENGINE_WRITE
            or not self._track_get_fields().intersection(vals)
        ):
            records = self.with_context(mail_notrack=True)
        return super(ConsumptionRecord, records).write(vals)

    def load(self, fields, data):
        return super(
            ConsumptionRecord,
            self.with_context(tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True),
        ).load(fields, data)
