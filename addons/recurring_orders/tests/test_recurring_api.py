"""The same guards through Odoo's external API (JSON-2 with API keys), where integrations come from."""

from http import HTTPStatus

from freezegun import freeze_time

from odoo.tests import HttpCase, new_test_user, tagged

from .common import D, RecurringOrdersCase


@tagged("post_install", "-at_install")
class TestRecurringApi(HttpCase, RecurringOrdersCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson = new_test_user(
            cls.env, login="api_salesperson", groups="sales_team.group_sale_salesman_all_leads"
        )
        cls.accountant = new_test_user(
            cls.env,
            login="api_accountant",
            groups="sales_team.group_sale_salesman_all_leads,account.group_account_manager",
        )

    def _call(self, user, model, method, **payload):
        # sudo: a key without expiry needs it; the key still acts as the user.
        key = self.env["res.users.apikeys"].with_user(user).sudo()._generate(None, "recurring test", None)
        return self.url_open(
            f"/json/2/{model}/{method}",
            json=payload,
            headers={"Authorization": f"bearer {key}", "X-Odoo-Database": self.env.cr.dbname},
        )

    def test_salesperson_cannot_set_posting_or_consumption_over_the_api(self):
        order = self._create_order(
            confirm=False, recurrence_invoice_state="draft", user_id=self.salesperson.id
        )
        for values in (
            {"recurrence_invoice_state": "sent"},
            {"recurrence_consumption": "current"},
            {"recurrence_consumption_domain": "[('quantity', '>', 0)]"},
        ):
            with self.subTest(values=values):
                response = self._call(self.salesperson, "sale.order", "write", ids=order.ids, vals=values)
                self.assertEqual(response.status_code, HTTPStatus.FORBIDDEN, response.text)
                self.assertIn("Only users allowed to post invoices", response.text)
        new_order = {"partner_id": self.customer_en.id, "recurrence_enabled": True}
        for payload in (
            {"vals_list": [{**new_order, "recurrence_invoice_state": "posted"}]},
            {"vals_list": [new_order], "context": {"default_recurrence_consumption": "previous"}},
        ):
            with self.subTest(payload=payload):
                response = self._call(self.salesperson, "sale.order", "create", **payload)
                self.assertEqual(response.status_code, HTTPStatus.FORBIDDEN, response.text)
        self.assertRecordValues(
            order, [{"recurrence_invoice_state": "draft", "recurrence_consumption": "none"}]
        )
        self.assertFalse(
            self.env["sale.order"].search([("user_id", "=", self.salesperson.id), ("id", "!=", order.id)])
        )

    @freeze_time("2026-02-15")
    def test_periods_and_links_cannot_be_written_over_the_api(self):
        order = self._create_order(recurrence_invoice_state="draft")
        invoices, _failures = self._generate(order)
        for model, ids, values in (
            ("account.move", invoices[:1].ids, {"recurring_period_start": "2026-06-01"}),
            ("account.move", invoices[:1].ids, {"recurring_order_id": False}),
            ("sale.order", order.ids, {"recurrence_invoice_ids": [[3, invoices[0].id]]}),
            ("sale.order", order.ids, {"recurrence_next_date": "2027-01-01"}),
        ):
            with self.subTest(model=model, values=values):
                response = self._call(self.accountant, model, "write", ids=ids, vals=values)
                self.assertEqual(response.status_code, HTTPStatus.UNPROCESSABLE_ENTITY, response.text)
                self.assertIn("set by recurring invoice generation only", response.text)
        invoices[1].action_post()
        response = self._call(
            self.accountant, "account.move", "write", ids=invoices[1].ids, vals={"invoice_subject": "Changed"}
        )
        self.assertEqual(response.status_code, HTTPStatus.UNPROCESSABLE_ENTITY, response.text)
        self.assertIn("Reset the invoice to draft first", response.text)
        response = self._call(
            self.accountant,
            "account.move",
            "create",
            vals_list=[{"move_type": "out_invoice", "partner_id": self.customer_en.id}],
            context={"default_recurring_order_id": order.id, "default_recurring_period_start": "2026-03-01"},
        )
        self.assertEqual(response.status_code, HTTPStatus.UNPROCESSABLE_ENTITY, response.text)
        self.assertEqual(order.recurrence_invoice_ids, invoices)
        self.assertEqual(invoices.mapped("recurring_period_start"), [D(2026, 1, 1), D(2026, 2, 1)])

    def test_internal_helpers_are_not_callable(self):
        for method, status in (
            ("complete", HTTPStatus.NOT_FOUND),
            ("create_invoices", HTTPStatus.NOT_FOUND),
            ("_complete", HTTPStatus.FORBIDDEN),
        ):
            with self.subTest(method=method):
                response = self._call(
                    self.accountant, "recurring.invoice.journal.items", method, vals_list=[], company=1
                )
                self.assertEqual(response.status_code, status, response.text)
