import datetime

from odoo.fields import Command
from odoo.tests import TransactionCase

D = datetime.date


class RecurringOrdersCase(TransactionCase):
    """Customers in English and French, a holding and its subsidiary, two taxed products, an analytic
    account, and a helper building a recurring order of known amounts.

    The default order: a section, 2 x 100.00 at 10% discount (analytic), a note, 1 x 30.00; untaxed
    210.00, VAT 20% 42.00, total 252.00.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.company = cls.env.company
        cls.tax = cls.env["account.tax"].create(
            {
                "name": "VAT 20% (recurring tests)",
                "amount": 20.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": cls.company.id,
            }
        )
        cls.product_subscription, cls.product_option = cls.env["product.product"].create(
            [
                {
                    "name": "Subscription",
                    "type": "service",
                    "list_price": 100.0,
                    "invoice_policy": "order",
                    "taxes_id": [Command.set(cls.tax.ids)],
                },
                {
                    "name": "Support option",
                    "type": "service",
                    "list_price": 30.0,
                    "invoice_policy": "order",
                    "taxes_id": [Command.set(cls.tax.ids)],
                },
            ]
        )
        cls.holding = cls.env["res.partner"].create(
            {
                "name": "Holding Générale",
                "is_company": True,
                "lang": "fr_FR",
                "email": "compta@holding.example",
            }
        )
        cls.customer_fr = cls.env["res.partner"].create(
            {
                "name": "Filiale Lyon",
                "is_company": True,
                "parent_id": cls.holding.id,
                "lang": "fr_FR",
                "email": "lyon@filiale.example",
            }
        )
        cls.customer_en = cls.env["res.partner"].create(
            {"name": "Ann English", "is_company": True, "lang": "en_US", "email": "ann@english.example"}
        )
        plan = cls.env["account.analytic.plan"].create({"name": "Recurring tests"})
        cls.analytic_account = cls.env["account.analytic.account"].create(
            {"name": "Hosting project", "plan_id": plan.id}
        )

    def _order_lines(self):
        return [
            Command.create({"display_type": "line_section", "name": "Monthly services", "sequence": 1}),
            Command.create(
                {
                    "product_id": self.product_subscription.id,
                    "product_uom_qty": 2.0,
                    "price_unit": 100.0,
                    "discount": 10.0,
                    "analytic_distribution": {str(self.analytic_account.id): 100.0},
                    "sequence": 2,
                }
            ),
            Command.create({"display_type": "line_note", "name": "Support by email only", "sequence": 3}),
            Command.create(
                {
                    "product_id": self.product_option.id,
                    "product_uom_qty": 1.0,
                    "price_unit": 30.0,
                    "sequence": 4,
                }
            ),
        ]

    def _create_order(self, partner=None, confirm=True, **recurrence):
        values = {
            "partner_id": (partner or self.customer_en).id,
            "order_line": self._order_lines(),
            "recurrence_enabled": True,
            "recurrence_frequency": "monthly",
            "recurrence_date_start": D(2026, 1, 1),
            "recurrence_invoice_state": "posted",
        }
        values.update(recurrence)
        order = self.env["sale.order"].create(values)
        if confirm:
            order.action_confirm()
        return order

    def _hand_made_invoice(self, order, invoice_date):
        """A customer invoice made by hand from the order's subscription line (two units at 90.00)."""
        subscription_line = order.order_line.filtered(
            lambda line: line.product_id == self.product_subscription
        )
        return self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": order.partner_id.id,
                "invoice_date": invoice_date,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product_subscription.id,
                            "quantity": 2,
                            "price_unit": 90.0,
                            "sale_line_ids": [Command.set(subscription_line.ids)],
                        }
                    )
                ],
            }
        )

    def _generate(self, orders):
        invoices, failures = orders._generate_recurring_invoices()
        return invoices.sorted(
            lambda move: (move.recurring_order_id.id, move.recurring_period_start)
        ), failures

    def _active_invoices(self, order):
        return order.recurrence_invoice_ids.filtered(lambda move: move.state != "cancel").sorted(
            "recurring_period_start"
        )
