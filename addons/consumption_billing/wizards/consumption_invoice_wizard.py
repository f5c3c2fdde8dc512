from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.addons.pricelist_priority.models.billing_price_source_mixin import PRICE_SOURCES
from odoo.exceptions import UserError
from odoo.tools import date_utils

from ..models.consumption_billing import GROUPING_SELECTION

PERIODS = [
    ("invoice_month", "Month of the invoice date"),
    ("previous_month", "Month before the invoice date"),
    ("custom", "Custom period"),
]


class ConsumptionInvoiceWizard(models.TransientModel):
    """ "Add consumption" on a draft customer invoice: thin, the engine does the billing."""

    _name = "consumption.invoice.wizard"
    _description = "Add Consumption to an Invoice"

    move_id = fields.Many2one("account.move", string="Invoice", required=True, readonly=True)
    partner_id = fields.Many2one(related="move_id.partner_id")
    currency_id = fields.Many2one(related="move_id.currency_id")
    period = fields.Selection(PERIODS, required=True, default="previous_month")
    date_from = fields.Date(
        compute="_compute_dates", store=True, readonly=False, required=True, precompute=True
    )
    date_to = fields.Date(
        compute="_compute_dates", store=True, readonly=False, required=True, precompute=True
    )
    grouping = fields.Selection(
        GROUPING_SELECTION,
        required=True,
        default="period",
    )
    line_ids = fields.One2many(
        "consumption.invoice.wizard.line",
        "wizard_id",
        string="Lines to add",
        compute="_compute_line_ids",
        store=True,
    )
    record_count = fields.Integer(string="Records", compute="_compute_line_ids", store=True)
    amount_total = fields.Monetary(string="Untaxed Amount", compute="_compute_line_ids", store=True)

    @api.depends("period", "move_id.invoice_date")
    def _compute_dates(self):
        for wizard in self:
            reference = wizard.move_id.invoice_date or fields.Date.context_today(wizard)
            if wizard.period == "invoice_month":
                month = reference
            elif wizard.period == "previous_month":
                month = reference - relativedelta(months=1)
            else:
                continue
            wizard.date_from = date_utils.start_of(month, "month")
            wizard.date_to = date_utils.end_of(month, "month")

    @api.depends("date_from", "date_to", "grouping", "move_id")
    def _compute_line_ids(self):
        for wizard in self:
            lines = []
            if wizard.move_id and wizard.date_from and wizard.date_to and wizard.date_from <= wizard.date_to:
                lines = self.env["consumption.billing"]._prepare_billing(
                    [wizard._billing_request()], lock=False
                )[0]
            wizard.line_ids = [Command.clear()] + [
                Command.create(
                    {
                        "product_id": line["product_id"],
                        "name": line["name"],
                        "quantity": line["quantity"],
                        "uom_id": line["uom_id"],
                        "price_unit": line["price_unit"],
                        "price_source": line["price_source"],
                        "record_count": len(line["record_ids"]),
                    }
                )
                for line in lines
            ]
            wizard.record_count = sum(len(line["record_ids"]) for line in lines)
            wizard.amount_total = sum(
                wizard.currency_id.round(line["quantity"] * line["price_unit"]) for line in lines
            )

    def _billing_request(self):
        move = self.move_id
        return {
            "partner_id": move.partner_id.commercial_partner_id.id,
            "pricelist_partner_id": move.partner_id.id,
            "company_id": move.company_id.id,
            "currency_id": move.currency_id.id,
            "date_from": self.date_from,
            "date_to": self.date_to,
            "date": move.invoice_date or self.date_to,
            "grouping": self.grouping,
        }

    def _check_invoice(self):
        move = self.move_id
        if move.move_type != "out_invoice" or move.state != "draft":
            raise UserError(
                self.env._(
                    "Consumption is added to draft customer invoices only; %(invoice)s is not one.",
                    invoice=move.display_name,
                )
            )
        if not move.partner_id:
            raise UserError(self.env._("Choose the customer of the invoice first."))

    @api.model_create_multi
    def create(self, vals_list):
        self.env["consumption.record"]._check_billing_access()
        return super().create(vals_list)

    def action_apply(self):
        """Add one line per product (and month) to the invoice and link the records to them."""
        self.ensure_one()
        self.env["consumption.record"]._check_billing_access()
        self._check_invoice()
        engine = self.env["consumption.billing"]
        lines = engine._prepare_billing([self._billing_request()])[0]
        if not lines:
            raise UserError(
                self.env._(
                    "%(customer)s has no unbilled consumption from %(date_from)s to %(date_to)s.",
                    customer=self.move_id.partner_id.commercial_partner_id.display_name,
                    date_from=self.date_from,
                    date_to=self.date_to,
                )
            )
        move = self.move_id
        engine._check_income_accounts(lines, move.company_id, move.fiscal_position_id, move.journal_id)
        move.with_context(**engine._engine_context()).write(
            self._prepare_invoice_values(lines, engine._analytic_line_values())
        )
        return {"type": "ir.actions.act_window_close"}

    def _prepare_invoice_values(self, billing_lines, optional_line_values):
        """Values written on the invoice (``move_id``): one new invoice line per billing line of
        ``_prepare_billing()`` (``consumption.billing._prepare_invoice_line_values()``), each with
        ``optional_line_values`` (the run's ``_analytic_line_values()``).

        Override it to change what *Add consumption* writes on the invoice (a section before the lines, a
        note) rather than the lines themselves."""
        self.ensure_one()
        engine = self.env["consumption.billing"]
        return {
            "invoice_line_ids": [
                Command.create(engine._prepare_invoice_line_values(line, **optional_line_values))
                for line in billing_lines
            ],
        }


class ConsumptionInvoiceWizardLine(models.TransientModel):
    _name = "consumption.invoice.wizard.line"
    _description = "Consumption to Add to an Invoice"

    wizard_id = fields.Many2one("consumption.invoice.wizard", required=True, ondelete="cascade")
    currency_id = fields.Many2one(related="wizard_id.currency_id")
    product_id = fields.Many2one("product.product", readonly=True)
    name = fields.Char(string="Description", readonly=True)
    quantity = fields.Float(digits="Product Unit", readonly=True)
    uom_id = fields.Many2one("uom.uom", string="Unit", readonly=True)
    price_unit = fields.Float(string="Rate", digits="Product Price", readonly=True)
    price_source = fields.Selection(
        PRICE_SOURCES,
        string="Source",
        readonly=True,
    )
    record_count = fields.Integer(string="Records", readonly=True)
    amount = fields.Monetary(compute="_compute_amount")

    @api.depends("quantity", "price_unit")
    def _compute_amount(self):
        for line in self:
            line.amount = line.currency_id.round(line.quantity * line.price_unit)
