"""Who may make the generator post, send and bill consumption (readme/SECURITY.md)."""

from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import D, RecurringOrdersCase

BILLING_SETTINGS = (
    {"recurrence_invoice_state": "posted"},
    {"recurrence_invoice_state": "sent"},
    {"recurrence_consumption": "current"},
    {"recurrence_consumption": "previous"},
    {"recurrence_consumption_domain": "[('quantity', '>', 10)]"},
)


@tagged("post_install", "-at_install")
class TestRecurringBillingSettings(RecurringOrdersCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson = new_test_user(
            cls.env, login="settings_salesperson", groups="sales_team.group_sale_salesman"
        )
        cls.consumption_salesperson = new_test_user(
            cls.env,
            login="settings_consumption_salesperson",
            groups="sales_team.group_sale_salesman_all_leads,consumption_billing.group_consumption_manager",
        )
        cls.billing_user = new_test_user(
            cls.env,
            login="settings_billing",
            groups="sales_team.group_sale_salesman_all_leads,account.group_account_invoice",
        )

    def _order_values(self, user, **values):
        return {
            "partner_id": self.customer_en.id,
            "user_id": user.id,
            "recurrence_enabled": True,
            "recurrence_date_start": D(2026, 1, 1),
            **values,
        }

    def _order_set_by_billing_user(self, recurrence_consumption):
        """An order of the salesperson, sent by email with consumption, as a billing user set it up."""
        values = self._order_values(
            self.salesperson,
            recurrence_invoice_state="sent",
            recurrence_consumption=recurrence_consumption,
            recurrence_consumption_domain="[('quantity', '>', 10)]",
        )
        return self.env["sale.order"].with_user(self.billing_user).create(values)

    def test_salesperson_cannot_choose_posting_sending_or_consumption(self):
        for user in (self.salesperson, self.consumption_salesperson):
            Order = self.env["sale.order"].with_user(user)
            order = Order.create(self._order_values(user))
            self.assertEqual(order.recurrence_invoice_state, "draft")
            for values in BILLING_SETTINGS:
                with self.subTest(user=user.login, values=values):
                    with self.assertRaisesRegex(AccessError, "Only users allowed to post invoices"):
                        Order.create(self._order_values(user, **values))
                    with self.assertRaisesRegex(AccessError, "Only users allowed to post invoices"):
                        order.write(values)
            for key, value in (("recurrence_invoice_state", "sent"), ("recurrence_consumption", "current")):
                with self.subTest(user=user.login, default=key), self.assertRaises(AccessError):
                    Order.with_context(**{f"default_{key}": value}).create(self._order_values(user))
            self.assertRecordValues(
                order,
                [{"recurrence_invoice_state": "draft", "recurrence_consumption": "none"}],
            )

    def test_billing_user_sets_them_and_salesperson_edits_the_rest(self):
        order = self._order_set_by_billing_user(recurrence_consumption="current")
        as_salesperson = order.with_user(self.salesperson)
        as_salesperson.write({"recurrence_subject": "Plan {MMM}", "recurrence_invoice_state": "sent"})
        with self.assertRaises(AccessError):
            as_salesperson.recurrence_consumption_domain = "[]"
        as_salesperson.write({"recurrence_invoice_state": "draft", "recurrence_consumption": "none"})
        self.assertRecordValues(
            order,
            [
                {
                    "recurrence_subject": "Plan {MMM}",
                    "recurrence_invoice_state": "draft",
                    "recurrence_consumption": "none",
                    "recurrence_consumption_domain": "[('quantity', '>', 10)]",
                }
            ],
        )

    def test_form_shows_them_read_only_to_a_salesperson(self):
        with Form(self.env["sale.order"].with_user(self.salesperson)) as form:
            form.partner_id = self.customer_en
            form.recurrence_enabled = True
            for name, value in (("recurrence_invoice_state", "sent"), ("recurrence_consumption", "current")):
                with self.subTest(name=name), self.assertRaisesRegex(AssertionError, "readonly"):
                    setattr(form, name, value)
        with Form(self.env["sale.order"].with_user(self.billing_user)) as form:
            form.partner_id = self.customer_en
            form.recurrence_enabled = True
            form.recurrence_invoice_state = "sent"
            form.recurrence_consumption = "current"
            form.recurrence_consumption_domain = "[('quantity', '>', 10)]"
        self.assertRecordValues(
            form.record, [{"recurrence_invoice_state": "sent", "recurrence_consumption": "current"}]
        )

    def test_copy_does_not_carry_them_for_a_salesperson(self):
        order = self._order_set_by_billing_user(recurrence_consumption="previous")
        copies = order.with_user(self.salesperson).copy() | order.with_user(self.salesperson).copy(
            {"recurrence_invoice_state": "posted", "recurrence_consumption": "current"}
        )
        self.assertRecordValues(
            copies,
            [
                {
                    "recurrence_invoice_state": "draft",
                    "recurrence_consumption": "none",
                    "recurrence_consumption_domain": "[]",
                }
            ]
            * 2,
        )
        billing_copy = order.with_user(self.billing_user).copy()
        self.assertRecordValues(
            billing_copy, [{"recurrence_invoice_state": "sent", "recurrence_consumption": "previous"}]
        )

    def test_consumption_filter_stays_on_the_records_own_fields(self):
        order = self._create_order(confirm=False, recurrence_consumption="current")
        for text in (
            "[('partner_id.name', '=', 'Ann English')]",
            "[('product_id.categ_id', '=', 1)]",
            "[('partner_id', 'any', [('email', 'ilike', 'example')])]",
            f"[('partner_id', 'child_of', {self.holding.id})]",
            "[('product_id', 'ilike', 'Subscription')]",
            "[('price_unit_preview', '>', 0)]",
            "['|', ('quantity', '>', 1), ('invoice_id.partner_id.name', '=', 'x')]",
        ):
            with self.subTest(text=text), self.assertRaisesRegex(ValidationError, "reaches another model"):
                order.recurrence_consumption_domain = text
        for text in (
            "[('quantity', '>', 10)]",
            f"[('product_id', 'in', [{self.product_subscription.id}])]",
            f"[('partner_id', '=', {self.customer_en.id}), ('description', 'ilike', 'roaming')]",
            "[('uom_id', '!=', False)]",
        ):
            with self.subTest(text=text):
                order.recurrence_consumption_domain = text
                self.assertEqual(order.recurrence_consumption_domain, text)

    @freeze_time("2026-01-01")
    def test_generation_refuses_a_filter_reaching_another_model(self):
        """A filter stored before the rule (or by SQL) is refused by the generator, not evaluated."""
        order = self._create_order(recurrence_consumption="current")
        self.env.cr.execute(
            "UPDATE sale_order SET recurrence_consumption_domain = %s WHERE id = %s",
            ["[('partner_id.name', '=', 'Ann English')]", order.id],
        )
        order.invalidate_recordset(["recurrence_consumption_domain"])

        invoices, failures = self._generate(order)

        self.assertFalse(invoices)
        self.assertIn("reaches another model", failures[order])
