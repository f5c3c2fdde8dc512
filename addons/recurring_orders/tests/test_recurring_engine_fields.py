"""The finalize lock and the one-invoice-per-period guard hold against every client write."""

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .common import D, RecurringOrdersCase


@tagged("post_install", "-at_install")
class TestRecurringEngineFields(RecurringOrdersCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(
            cls.env,
            login="engine_accountant",
            groups="sales_team.group_sale_salesman_all_leads,account.group_account_manager",
        )
        cls.sales_manager = new_test_user(
            cls.env,
            login="engine_sales_manager",
            groups="sales_team.group_sale_manager,account.group_account_invoice",
        )
        cls.salesperson = new_test_user(
            cls.env, login="engine_salesperson", groups="sales_team.group_sale_salesman_all_leads"
        )
        cls.other_company = cls.env["res.company"].create({"name": "Engine Other Company"})
        cls.partner_of_other_company = cls.env["res.partner"].create(
            {"name": "Other Company Customer", "company_id": cls.other_company.id}
        )

    def setUp(self):
        super().setUp()
        with freeze_time("2026-02-15"):
            self.order = self._create_order(recurrence_invoice_state="draft")
            self.invoices, _failures = self._generate(self.order)
        self.assertEqual(len(self.invoices), 2)

    def test_invoice_period_and_order_cannot_be_written(self):
        invoice = self.invoices[0].with_user(self.accountant)
        for values in (
            {"recurring_period_start": D(2026, 5, 1)},
            {"recurring_period_end": D(2026, 5, 31)},
            {"recurring_order_id": False},
            {"recurring_order_id": self._create_order().id},
            {"recurring_sending_failed": True},
        ):
            with self.subTest(values=values), self.assertRaisesRegex(UserError, "set by recurring invoice"):
                invoice.write(values)
        self.assertRecordValues(
            self.invoices[0],
            [
                {
                    "recurring_order_id": self.order.id,
                    "recurring_period_start": D(2026, 1, 1),
                    "recurring_period_end": D(2026, 1, 31),
                    "recurring_sending_failed": False,
                }
            ],
        )

    def test_invoice_cannot_be_created_on_a_period(self):
        Move = self.env["account.move"].with_user(self.accountant)
        values = {
            "move_type": "out_invoice",
            "partner_id": self.customer_en.id,
            "invoice_line_ids": [Command.create({"name": "Hand-made", "quantity": 1, "price_unit": 10})],
        }
        for extra in (
            {"recurring_order_id": self.order.id, "recurring_period_start": D(2026, 3, 1)},
            {"recurring_period_start": D(2026, 3, 1)},
        ):
            with self.subTest(extra=extra), self.assertRaisesRegex(UserError, "set by recurring invoice"):
                Move.create({**values, **extra})
        with self.assertRaisesRegex(UserError, "set by recurring invoice"):
            Move.with_context(
                default_recurring_order_id=self.order.id, default_recurring_period_start="2026-03-01"
            ).create(values)
        self.assertEqual(self.order.recurrence_next_date, D(2026, 3, 1), "March is still to generate")

    def test_order_invoices_cannot_be_detached(self):
        self.order.with_user(self.sales_manager).action_finalize()
        for order in (self.order, self._create_order()):
            for command in (
                [Command.unlink(self.invoices[0].id)],
                [Command.set([])],
                [Command.delete(self.invoices[0].id)],
                [Command.link(self.invoices[0].id)],
            ):
                with self.subTest(order=order.name, command=command), self.assertRaises(UserError):
                    order.with_user(self.accountant).write({"recurrence_invoice_ids": command})
        self.assertEqual(self.order.recurrence_invoice_ids, self.invoices)
        self.assertEqual(self.order.recurrence_next_date, D(2026, 3, 1))

    def test_computed_fields_cannot_be_written(self):
        for values in (
            {"recurrence_invoice_partner_id": self.partner_of_other_company.id},
            {"recurrence_next_date": D(2030, 1, 1)},
            {"recurrence_last_invoice_id": self.invoices[0].id},
            {"recurrence_last_subscription_amount": 1.0},
            {"recurrence_duplicate_period_count": 0},
            {"recurrence_last_error": "Nothing wrong"},
        ):
            with self.subTest(values=values), self.assertRaisesRegex(UserError, "set by recurring invoice"):
                self.order.with_user(self.sales_manager).write(values)
        with self.assertRaisesRegex(UserError, "set by recurring invoice"):
            self.env["sale.order"].with_user(self.sales_manager).create(
                {
                    "partner_id": self.customer_en.id,
                    "recurrence_invoice_partner_id": self.partner_of_other_company.id,
                }
            )
        self.assertRecordValues(
            self.order,
            [{"recurrence_invoice_partner_id": self.customer_en.id, "recurrence_next_date": D(2026, 3, 1)}],
        )

    def test_subject_of_a_posted_invoice_is_frozen(self):
        draft, posted = self.invoices.with_user(self.accountant)
        posted.action_post()
        with self.assertRaisesRegex(UserError, "Reset the invoice to draft first"):
            posted.invoice_subject = "Another month"
        posted.invoice_subject = posted.invoice_subject  # unchanged: accepted
        draft.invoice_subject = "Corrected subject"
        posted.button_draft()
        posted.invoice_subject = "Corrected too"
        self.assertEqual(self.invoices.mapped("invoice_subject"), ["Corrected subject", "Corrected too"])

    def test_cancel_still_frees_a_period(self):
        invoice = self.invoices[1].with_user(self.accountant)
        invoice.button_cancel()
        self.assertEqual(self.order.recurrence_next_date, D(2026, 2, 1))

    def test_only_a_sales_manager_finalizes(self):
        for user in (self.salesperson, self.accountant):
            with self.subTest(user=user.login):
                with self.assertRaisesRegex(AccessError, "Only a Sales administrator"):
                    self.order.with_user(user).action_finalize()
                with self.assertRaises(UserError):
                    self.order.with_user(user).write({"finalized": True})
                with self.assertRaises(UserError):
                    self.env["sale.order"].with_user(user).create(
                        {"partner_id": self.customer_en.id, "finalized": True}
                    )
        self.assertFalse(self.order.finalized)
        self.order.with_user(self.sales_manager).action_finalize()
        self.assertTrue(self.order.finalized)

    def test_finalize_button_is_for_sales_managers_and_asks_first(self):
        for user, visible in ((self.salesperson, False), (self.sales_manager, True)):
            arch = self.env["sale.order"].with_user(user).get_view(view_type="form")["arch"]
            with self.subTest(user=user.login):
                self.assertEqual('name="action_finalize"' in arch, visible)
        arch = self.env["sale.order"].with_user(self.sales_manager).get_view(view_type="form")["arch"]
        self.assertRegex(
            arch, r'confirm="Finalize this order\? Its lines, prices, customer[^"]*cannot be undone'
        )
