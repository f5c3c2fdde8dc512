from fractions import Fraction

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_round


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    recurrence_bill_once = fields.Boolean(
        string="Bill once",
        compute="_compute_recurrence_bill_once",
        store=True,
        readonly=False,
        precompute=True,
        help="On a recurring order, this line (a set-up fee, hardware...) goes on the order's first "
        "generated invoice only; the other lines repeat on every invoice.",
    )
    # The dashboard's amount check sums the once-lines of each recurring order.
    _recurrence_bill_once_index = models.Index("(order_id) WHERE recurrence_bill_once")

    @api.depends("product_id")
    def _compute_recurrence_bill_once(self):
        for line in self:
            line.recurrence_bill_once = line.product_id.recurrence_bill_once

    def _recurrence_prorated_quantity(self, share):
        """The line's quantity for a prorated period (``share``: covered days / days of the period), rounded
        to its unit's precision; a *Bill once* line is never prorated."""
        self.ensure_one()
        if self.recurrence_bill_once or share == 1:
            return self.product_uom_qty
        return float_round(
            float(Fraction(self.product_uom_qty) * share),
            precision_rounding=self.product_uom_id.rounding or 0.01,
        )

    # Lines of a recurring order are invoiced by the recurrence only: each generated invoice adds the line's
    # quantity to qty_invoiced (the cumulated quantity invoiced over all periods), and nothing is ever "to
    # invoice" by hand, so Odoo's "Create Invoice" cannot bill a period twice and the order's invoice status
    # reads "Nothing to invoice" before the first generation and "Fully invoiced" after it.

    def _is_billed_by_recurrence(self):
        self.ensure_one()
        return self.order_id.recurrence_enabled or bool(self.order_id.recurrence_invoice_ids)

    @api.depends("order_id.recurrence_enabled", "order_id.recurrence_invoice_ids")
    def _compute_qty_to_invoice(self):
        result = super()._compute_qty_to_invoice()
        for line in self.filtered(lambda line: line.state == "sale" and line._is_billed_by_recurrence()):
            line.qty_to_invoice = 0.0
        return result

    @api.depends("order_id.recurrence_enabled", "order_id.recurrence_invoice_ids")
    def _compute_untaxed_amount_to_invoice(self):
        result = super()._compute_untaxed_amount_to_invoice()
        for line in self.filtered(lambda line: line.state == "sale" and line._is_billed_by_recurrence()):
            line.untaxed_amount_to_invoice = 0.0
        return result

    @api.depends("order_id.recurrence_enabled", "order_id.recurrence_invoice_ids")
    def _compute_amount_to_invoice(self):
        result = super()._compute_amount_to_invoice()
        for line in self.filtered(lambda line: line.state == "sale" and line._is_billed_by_recurrence()):
            line.amount_to_invoice = 0.0
        return result

    # Finalized orders: their lines are frozen.

    def _check_order_not_finalized(self, orders):
        finalized = orders.filtered("finalized")
        if finalized:
            raise UserError(
                self.env._(
                    "Order %(orders)s is finalized: its lines cannot be added, changed or removed.",
                    orders=", ".join(finalized.mapped("name")),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        order_ids = {vals["order_id"] for vals in vals_list if vals.get("order_id")}
        self._check_order_not_finalized(self.env["sale.order"].browse(order_ids))
        return super().create(vals_list)

    def write(self, vals):
        self._check_order_not_finalized(self.order_id)
        if vals.get("order_id"):
            self._check_order_not_finalized(self.env["sale.order"].browse(vals["order_id"]))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_finalized_order(self):
        self._check_order_not_finalized(self.order_id)
