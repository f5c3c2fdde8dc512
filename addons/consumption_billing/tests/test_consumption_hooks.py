"""The per-record hooks of the entry points: an integrator overrides one order, one invoice or one line.
Each is wrapped as an override would change it (``wrap_hook()``); the documents must carry the change."""

from odoo.tests import tagged

from .common import ConsumptionCase
from .hooks import HookWrapperMixin


@tagged("post_install", "-at_install")
class TestConsumptionHooks(HookWrapperMixin, ConsumptionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Record.create(
            [
                cls.record_values(date="2026-03-02", quantity=100),
                cls.record_values(date="2026-03-15", product_id=cls.bank.id, quantity=3),
                cls.record_values(date="2026-03-20", partner_id=cls.customer_b.id, quantity=40),
            ]
        )

    def test_order_wizard_prepares_each_customer_order_by_the_hook(self):
        wizard = self.env["consumption.order.wizard"].create(
            {
                "partner_ids": [(6, 0, (self.customer | self.customer_b).ids)],
                "date_from": "2026-03-01",
                "date_to": "2026-03-31",
            }
        )
        order_hook = self.wrap_hook(
            "consumption.order.wizard",
            "_prepare_sale_order_values",
            lambda values, _wizard, customer, billing_lines, _optional: dict(
                values, client_order_ref=f"{customer.ref}: {len(billing_lines)} line(s)"
            ),
        )
        line_hook = self.wrap_hook(
            "consumption.billing",
            "_prepare_sale_line_values",
            lambda values, _engine, billing_line: dict(values, name=f"{values['name']} [hook]"),
        )
        create = self.wrap_hook("sale.order", "create", lambda orders, *_args: orders)

        result = wizard.action_create_orders()

        orders = self.env["sale.order"].search(result["params"]["next"]["domain"], order="id")
        self.assertRecordValues(
            orders,
            [
                {"partner_id": self.customer.id, "client_order_ref": "CUST-ALPHA: 2 line(s)"},
                {"partner_id": self.customer_b.id, "client_order_ref": "CUST-BETA: 1 line(s)"},
            ],
        )
        self.assertRecordValues(
            orders.order_line.sorted(lambda line: (line.order_id.id, line.name)),
            [
                {"product_id": self.bank.id, "name": "Bank charges, March 2026 (1 record) [hook]"},
                {"product_id": self.phone.id, "name": "Phone units, March 2026 (1 record) [hook]"},
                {"product_id": self.phone.id, "name": "Phone units, March 2026 (1 record) [hook]"},
            ],
        )
        self.assertEqual((order_hook.call_count, line_hook.call_count), (2, 3))
        # The run's analytic values are read once and handed to every line.
        analytic = self.env["consumption.billing"]._analytic_line_values()
        self.assertEqual([call.kwargs for call in line_hook.call_args_list], [analytic] * 3)
        self.assertEqual([len(call.args[1]) for call in create.call_args_list], [2], "one create() for all")

    def test_invoice_wizard_prepares_the_invoice_values_by_the_hook(self):
        invoice = self.env["account.move"].create(
            {"move_type": "out_invoice", "partner_id": self.customer.id, "invoice_date": "2026-04-05"}
        )
        wizard = self.env["consumption.invoice.wizard"].create({"move_id": invoice.id})
        invoice_hook = self.wrap_hook(
            "consumption.invoice.wizard",
            "_prepare_invoice_values",
            lambda values, _wizard, billing_lines, _optional: dict(
                values, narration=f"<p>{len(billing_lines)} consumption line(s) added</p>"
            ),
        )
        line_hook = self.wrap_hook(
            "consumption.billing",
            "_prepare_invoice_line_values",
            lambda values, _engine, billing_line: dict(
                values, name=f"{billing_line['quantity']:g} x {values['name']}"
            ),
        )

        wizard.action_apply()

        self.assertEqual((invoice_hook.call_count, line_hook.call_count), (1, 2))
        self.assertRecordValues(invoice, [{"narration": "<p>2 consumption line(s) added</p>"}])
        self.assertRecordValues(
            invoice.invoice_line_ids.sorted("name"),
            [
                {
                    "product_id": self.phone.id,
                    "quantity": 100.0,
                    "name": "100 x Phone units, March 2026 (1 record)",
                },
                {
                    "product_id": self.bank.id,
                    "quantity": 3.0,
                    "name": "3 x Bank charges, March 2026 (1 record)",
                },
            ],
        )

    def test_line_hooks_add_the_optional_values(self):
        billing_line = {
            "product_id": self.phone.id,
            "quantity": 4.0,
            "uom_id": self.unit.id,
            "price_unit": 0.5,
            "name": "Phone units",
            "price_source": "explicit",
            "record_ids": [7, 8],
        }
        engine = self.env["consumption.billing"]

        invoice_line = engine._prepare_invoice_line_values(
            billing_line, sequence=12, analytic_distribution=False
        )
        sale_line = engine._prepare_sale_line_values(billing_line, analytic_distribution=False)

        shared = {
            "product_id": self.phone.id,
            "product_uom_id": self.unit.id,
            "price_unit": 0.5,
            "name": "Phone units",
            "price_source": "explicit",
            "consumption_record_ids": [(6, 0, [7, 8])],
            "analytic_distribution": False,
        }
        self.assertEqual(invoice_line, {**shared, "quantity": 4.0, "sequence": 12})
        self.assertEqual(sale_line, {**shared, "product_uom_qty": 4.0, "qty_delivered": 4.0, "discount": 0.0})
