"""The per-record hooks of generation: an integrator overrides one invoice or one line, not a batch.

Each hook is wrapped by ``wrap_hook()`` (see ``consumption_billing/tests/hooks.py``) as an override would
change it, and the documents created must carry the change."""

from freezegun import freeze_time

from odoo.addons.consumption_billing.tests.hooks import HookWrapperMixin
from odoo.tests import tagged

from .common import D, RecurringOrdersCase


@tagged("post_install", "-at_install")
class TestRecurringHooks(HookWrapperMixin, RecurringOrdersCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calls = cls.env["product.product"].create(
            {"name": "Call minutes", "type": "service", "list_price": 0.10, "invoice_policy": "order"}
        )

    @freeze_time("2026-02-10")
    def test_invoice_hook_gives_each_period_its_values(self):
        order = self._create_order(client_order_ref="PO-77")

        def per_period(values, order, plan, invoice_values, line_values, consumption_line_values):
            return dict(
                values,
                ref=f"{values['ref']} / {plan['period_start']}",
                narration=f"<p>Period of {order.name}</p>",
            )

        hook = self.wrap_hook("sale.order", "_prepare_recurring_invoice_values", per_period)
        prepare_invoice = self.wrap_hook("sale.order", "_prepare_invoice", lambda values, *_args: values)

        invoices, failures = self._generate(order)

        self.assertFalse(failures)
        self.assertRecordValues(
            invoices,
            [
                {
                    "ref": "PO-77 / 2026-01-01",
                    "narration": f"<p>Period of {order.name}</p>",
                    "recurring_period_start": D(2026, 1, 1),
                    "recurring_period_end": D(2026, 1, 31),
                    "amount_untaxed": 210.0,
                    "state": "posted",
                },
                {
                    "ref": "PO-77 / 2026-02-01",
                    "narration": f"<p>Period of {order.name}</p>",
                    "recurring_period_start": D(2026, 2, 1),
                    "recurring_period_end": D(2026, 2, 28),
                    "amount_untaxed": 210.0,
                    "state": "posted",
                },
            ],
        )
        self.assertEqual(hook.call_count, 2, "one call per generated invoice")
        # What the periods of the order share is read once, and handed to the hook of every period.
        self.assertEqual(prepare_invoice.call_count, 1)
        shared = {id(call.args[2]) for call in hook.call_args_list}
        self.assertEqual(len(shared), 1, "both periods get the order's one _prepare_invoice()")

    @freeze_time("2026-02-10")
    def test_one_hook_call_per_invoice_of_a_batch(self):
        orders = self._create_order() | self._create_order(partner=self.customer_fr)
        create = self.wrap_hook("account.move", "create", lambda moves, *_args: moves)
        hook = self.wrap_hook(
            "sale.order",
            "_prepare_recurring_invoice_values",
            lambda values, order, plan, *_args: dict(values, ref=f"{order.name} {plan['period_start']:%m}"),
        )

        invoices, failures = self._generate(orders)

        self.assertFalse(failures)
        self.assertEqual(hook.call_count, 4)
        self.assertRecordValues(
            invoices,
            [
                {"ref": f"{orders[0].name} 01", "recurring_order_id": orders[0].id},
                {"ref": f"{orders[0].name} 02", "recurring_order_id": orders[0].id},
                {"ref": f"{orders[1].name} 01", "recurring_order_id": orders[1].id},
                {"ref": f"{orders[1].name} 02", "recurring_order_id": orders[1].id},
            ],
        )
        # Still batched: the invoices of one company and language are created together (two languages).
        self.assertEqual(
            sorted(len(call.args[1]) for call in create.call_args_list if isinstance(call.args[1], list)),
            [2, 2],
        )

    @freeze_time("2026-01-31")
    def test_consumption_section_and_line_hooks(self):
        self.env["consumption.record"].create(
            [
                {
                    "partner_id": self.customer_en.id,
                    "product_id": self.calls.id,
                    "date": D(2026, 1, day),
                    "quantity": quantity,
                    "rate": 2.0,
                }
                for day, quantity in ((10, 3), (20, 7))
            ]
        )
        order = self._create_order(recurrence_consumption="current")

        section_hook = self.wrap_hook(
            "sale.order",
            "_prepare_recurring_consumption_section",
            lambda values, order, date_from, date_to, billing_lines: dict(
                values, name=f"Usage {date_from:%Y-%m-%d}..{date_to:%Y-%m-%d}, {len(billing_lines)} line(s)"
            ),
        )
        line_hook = self.wrap_hook(
            "consumption.billing",
            "_prepare_invoice_line_values",
            lambda values, _engine, billing_line: dict(
                values, name=f"[{billing_line['quantity']:g}] {values['name']}"
            ),
        )

        invoice, failures = self._generate(order)

        self.assertFalse(failures)
        self.assertEqual((section_hook.call_count, line_hook.call_count), (1, 1))
        self.assertRecordValues(
            invoice.invoice_line_ids.filtered(lambda line: line.sequence >= 10000).sorted("sequence"),
            [
                {
                    "display_type": "line_section",
                    "name": "Usage 2026-01-01..2026-01-31, 1 line(s)",
                    "sequence": 10000,
                    "product_id": False,
                },
                {
                    "display_type": "product",
                    "name": "[10] Call minutes, January 2026 (2 records)",
                    "sequence": 10001,
                    "product_id": self.calls.id,
                },
            ],
        )

    @freeze_time("2026-01-31")
    def test_consumption_section_default_values(self):
        """Without an override, the section is the one users have always read, in the invoice's language."""
        order = self._create_order(partner=self.customer_fr).with_context(lang="fr_FR")
        billing_lines = [{"date_from": D(2025, 12, 20)}, {"date_from": D(2026, 1, 1)}]

        values = order._prepare_recurring_consumption_section(D(2026, 1, 1), D(2026, 1, 31), billing_lines)

        self.assertEqual(
            values,
            {
                "display_type": "line_section",
                "name": "Consommation du 20/12/2025 au 31/01/2026",
                "sequence": 10000,
            },
        )
