from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import date_utils

from ..models.consumption_billing import GROUPING_SELECTION


def _previous_month(wizard):
    return date_utils.start_of(fields.Date.context_today(wizard) - relativedelta(months=1), "month")


class ConsumptionOrderWizard(models.TransientModel):
    """ "Consumption invoicing" on customers: one sale order per customer holding its unbilled
    consumption of the period. Thin, the engine does the billing."""

    _name = "consumption.order.wizard"
    _description = "Bill Consumption into Sale Orders"

    partner_ids = fields.Many2many("res.partner", string="Customers", required=True)
    date_from = fields.Date(required=True, default=_previous_month)
    date_to = fields.Date(
        required=True,
        default=lambda wizard: date_utils.end_of(_previous_month(wizard), "month"),
    )
    grouping = fields.Selection(
        GROUPING_SELECTION,
        required=True,
        default="period",
    )

    @api.model
    def _action_open_for_partners(self, partners):
        """Entry of the server action bound to customers: the wizard, for the selected customers."""
        wizard = self.create({"partner_ids": [Command.set(partners.ids)]})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Consumption invoicing"),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    @api.model_create_multi
    def create(self, vals_list):
        self.env["consumption.record"]._check_billing_access()
        return super().create(vals_list)

    def action_create_orders(self):
        """One sale order per customer (its commercial entity) with its unbilled consumption of the period;
        customers with nothing to bill are skipped and counted. Opens the created orders."""
        self.ensure_one()
        self.env["consumption.record"]._check_billing_access()
        engine = self.env["consumption.billing"]
        customers = self.partner_ids.commercial_partner_id
        lines_by_customer = engine._prepare_billing(
            [
                {
                    "partner_id": customer.id,
                    "company_id": self.env.company.id,
                    "date_from": self.date_from,
                    "date_to": self.date_to,
                    "grouping": self.grouping,
                }
                for customer in customers
            ]
        )
        billed = [
            (customer, lines) for customer, lines in zip(customers, lines_by_customer, strict=True) if lines
        ]
        if not billed:
            raise UserError(
                self.env._(
                    "None of the %(count)s selected customers has unbilled consumption from %(date_from)s to "
                    "%(date_to)s.",
                    count=len(customers),
                    date_from=self.date_from,
                    date_to=self.date_to,
                )
            )
        FiscalPosition = self.env["account.fiscal.position"]
        for customer, lines in billed:
            engine._check_income_accounts(
                lines, self.env.company, FiscalPosition._get_fiscal_position(customer)
            )
        analytic = engine._analytic_line_values()
        orders = (
            self.env["sale.order"]
            .with_context(**engine._engine_context())
            .create(
                [self._prepare_sale_order_values(customer, lines, analytic) for customer, lines in billed]
            )
        )
        return self._notify_and_open(orders.with_env(self.env), skipped=len(customers) - len(orders))

    def _prepare_sale_order_values(self, customer, billing_lines, optional_line_values):
        """Values of the sale order created for one customer (its commercial entity): one order line per
        billing line of ``_prepare_billing()`` (``consumption.billing._prepare_sale_line_values()``), each
        with ``optional_line_values`` (the run's ``_analytic_line_values()``, read once for all customers).

        Override it to change the order of one customer (a salesperson, a price list, a reference, a line
        added) without rewriting the batch, which creates every order with one ``create()``."""
        self.ensure_one()
        engine = self.env["consumption.billing"]
        return {
            "partner_id": customer.id,
            "company_id": self.env.company.id,
            "origin": self.env._(
                "Consumption %(date_from)s - %(date_to)s",
                date_from=self.date_from,
                date_to=self.date_to,
            ),
            "order_line": [
                Command.create(engine._prepare_sale_line_values(line, **optional_line_values))
                for line in billing_lines
            ],
        }

    def _notify_and_open(self, orders, skipped):
        action = self.env["ir.actions.act_window"]._for_xml_id("sale.action_quotations_with_onboarding")
        action.update(domain=[("id", "in", orders.ids)], context={"create": False})
        if len(orders) == 1:
            action.update(views=[(False, "form")], view_mode="form", res_id=orders.id)
        if skipped:
            message = self.env._(
                "%(orders)s sale order(s) created; %(skipped)s customer(s) had no unbilled consumption in "
                "the period and were skipped.",
                orders=len(orders),
                skipped=skipped,
            )
        else:
            message = self.env._("%(orders)s sale order(s) created.", orders=len(orders))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": message, "type": "success", "sticky": False, "next": action},
        }
