from odoo import api, fields, models
from odoo.exceptions import UserError


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "recurring.engine.guard"]

    # Set by generation only: they decide which period an invoice bills (see the unique index below).
    # Cancelling an invoice frees its period without writing them.
    _recurring_engine_fields = (
        "recurring_order_id",
        "recurring_period_start",
        "recurring_period_end",
        "recurring_sending_failed",
    )

    recurring_order_id = fields.Many2one(
        "sale.order",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
        help="The recurring sale order that generated this invoice.",
    )
    recurring_period_start = fields.Date(
        string="Billed Period Start",
        readonly=True,
        copy=False,
        help="First day of the period this recurring invoice bills.",
    )
    recurring_period_end = fields.Date(
        string="Billed Period End",
        readonly=True,
        copy=False,
        help="Last day of the period this recurring invoice bills.",
    )
    recurring_sending_failed = fields.Boolean(
        string="Sending Failed",
        readonly=True,
        copy=False,
        help="Recurring generation could not email this invoice; the next runs send it once the cause is "
        "fixed.",
    )
    invoice_subject = fields.Char(
        string="Subject",
        copy=False,
        help="Subject of the invoice, printed on it; recurring orders fill it from their subject template.",
    )

    # The last guard against duplicates: whatever the code does, one order and one period get at most one
    # invoice that is not cancelled. Cancelling an invoice frees its period.
    _recurring_period_unique = models.UniqueIndex(
        "(recurring_order_id, recurring_period_start)"
        " WHERE recurring_order_id IS NOT NULL AND state != 'cancel'",
        "A recurring order already has an invoice for this period; cancel it before generating another one.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_recurring_engine_create(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._check_recurring_engine_write(vals)
        if "invoice_subject" in vals:
            self._check_subject_change(vals["invoice_subject"])
        return super().write(vals)

    def _check_subject_change(self, new_subject):
        """The subject is printed on the invoice: like its lines, it changes only while in draft."""
        frozen = self.filtered(
            lambda move: move.state != "draft" and (move.invoice_subject or False) != (new_subject or False)
        )
        if frozen:
            raise UserError(
                self.env._(
                    "The subject of %(invoices)s cannot change: it is printed on the invoice, which is no "
                    "longer a draft. Reset the invoice to draft first.",
                    invoices=", ".join(frozen.mapped("display_name")),
                )
            )
