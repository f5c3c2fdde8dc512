import json
from http import HTTPStatus

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from ..models.ir_http import INGEST_MAX_BODY_PARAM


@tagged("post_install", "-at_install")
class TestConsumptionIntegrityApi(HttpCase):
    """The integrity guards through Odoo's JSON-2 API, with the API keys of real users of each company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.api_keys = {}
        cls.company = cls.env.company
        cls.other_company = cls.env["res.company"].create({"name": "Integrity Other Company"})
        cls.customer = cls.env["res.partner"].create({"name": "Integrity Customer", "ref": "INT-CUST"})
        cls.product = cls.env["product.product"].create(
            {"name": "Integrity calls", "default_code": "INT-CALLS", "type": "service", "list_price": 0.5}
        )
        cls.user_a = cls._user("int_user_a", "consumption_billing.group_consumption_user", cls.company)
        cls.user_b = cls._user("int_user_b", "consumption_billing.group_consumption_user", cls.other_company)
        cls.accountant = cls._user("int_accountant", "account.group_account_invoice", cls.company)
        cls.invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.customer.id,
                "invoice_date": "2026-03-31",
                "invoice_line_ids": [Command.create({"product_id": cls.product.id, "price_unit": 1.0})],
            }
        )
        cls.order = cls.env["sale.order"].create(
            {"partner_id": cls.customer.id, "order_line": [Command.create({"product_id": cls.product.id})]}
        )
        cls.Record = cls.env["consumption.record"]

    @classmethod
    def _user(cls, login, group, company):
        user = new_test_user(
            cls.env,
            login,
            groups=f"base.group_user,{group}",
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )
        # sudo: a key without expiry needs it; the key still acts as the user.
        cls.api_keys[user] = cls.env["res.users.apikeys"].with_user(user).sudo()._generate(None, login, None)
        return user

    def _call(self, user, model, method, **payload):
        return self.url_open(
            f"/json/2/{model}/{method}",
            data=json.dumps(payload),
            headers={
                "Authorization": f"bearer {self.api_keys[user]}",
                "X-Odoo-Database": self.env.cr.dbname,
                "Content-Type": "application/json",
            },
        )

    def _record_values(self, **values):
        return {"partner_id": self.customer.id, "product_id": self.product.id, "date": "2026-03-10", **values}

    @mute_logger("odoo.http")
    def test_links_cannot_be_written_over_the_api(self):
        record_b = self.Record.with_user(self.user_b).create(self._record_values())
        for fname, line in (
            ("invoice_line_id", self.invoice.invoice_line_ids),
            ("sale_line_id", self.order.order_line),
        ):
            with self.subTest(field=fname):
                response = self._call(
                    self.user_b, "consumption.record", "write", ids=record_b.ids, vals={fname: line.id}
                )
                self.assertEqual(response.status_code, HTTPStatus.UNPROCESSABLE_ENTITY, response.text)
                self.assertIn("set by billing only", response.json()["message"])
                response = self._call(
                    self.user_a,
                    "consumption.record",
                    "create",
                    vals_list=[self._record_values()],
                    context={f"default_{fname}": line.id},
                )
                self.assertEqual(response.status_code, HTTPStatus.UNPROCESSABLE_ENTITY, response.text)
        self.assertFalse(record_b.invoice_line_id or record_b.sale_line_id)
        self.assertFalse(
            self.Record.search([("partner_id", "=", self.customer.id), ("company_id", "=", self.company.id)])
        )

    def test_ingest_ignores_the_context_defaults_of_the_call(self):
        posted = self.invoice.copy()
        posted.action_post()
        response = self._call(
            self.user_a,
            "consumption.record",
            "ingest",
            rows=[
                {
                    "partner": "INT-CUST",
                    "product": "INT-CALLS",
                    "date": "2026-03-02",
                    "quantity": 3,
                    "external_ref": "INT-CTX",
                }
            ],
            context={
                "default_billed": True,
                "default_invoice_id": posted.id,
                "default_invoice_line_id": posted.invoice_line_ids.id,
                "default_sale_line_id": self.order.order_line.id,
                "default_active": False,
                "default_origin": "manual",
                "default_company_id": self.other_company.id,
                "default_has_rate": True,
                "default_rate": 9.0,
                "default_description": "injected",
            },
        )
        self.assertEqual(response.json(), {"created": 1, "skipped": 0, "errors": []}, response.text)
        record = self.Record.with_context(active_test=False).search([("external_ref", "=", "INT-CTX")])
        self.assertRecordValues(
            record,
            [
                {
                    "billed": False,
                    "invoice_id": False,
                    "invoice_line_id": False,
                    "sale_line_id": False,
                    "active": True,
                    "origin": "api",
                    "company_id": self.company.id,
                    "has_rate": False,
                    "rate": 0.0,
                    "description": False,
                }
            ],
        )

    @mute_logger("odoo.http")
    def test_reserved_record_cannot_be_released_or_deleted_over_the_api(self):
        record = self.Record.create(self._record_values())
        self.order.order_line.with_context(**self.env["consumption.billing"]._engine_context()).write(
            {"consumption_record_ids": [Command.link(record.id)]}
        )
        for method, payload in (
            ("write", {"vals": {"sale_line_id": False}}),
            ("write", {"vals": {"quantity": 50}}),
            ("unlink", {}),
        ):
            with self.subTest(method=method, payload=payload):
                response = self._call(self.user_a, "consumption.record", method, ids=record.ids, **payload)
                self.assertEqual(response.status_code, HTTPStatus.UNPROCESSABLE_ENTITY, response.text)
        self.assertRecordValues(record, [{"sale_line_id": self.order.order_line.id, "quantity": 1.0}])

    @mute_logger("odoo.http")
    def test_internal_helpers_are_not_callable(self):
        request = {
            "partner_id": self.customer.id,
            "company_id": self.company.id,
            "date_from": "2026-03-01",
            "date_to": "2026-03-31",
        }
        for model, method, payload in (
            ("consumption.billing", "prepare_billing", {"requests": [request]}),
            ("consumption.billing", "invoice_line_values", {"billing_line": {}}),
            ("consumption.billing", "sale_line_values", {"billing_line": {}}),
            ("consumption.billing", "analytic_line_values", {}),
            ("consumption.order.wizard", "action_open_for_partners", {"partners": [self.customer.id]}),
        ):
            with self.subTest(method=method):
                response = self._call(self.accountant, model, method, **payload)
                self.assertEqual(response.status_code, HTTPStatus.NOT_FOUND, response.text)
        response = self._call(self.accountant, "consumption.billing", "_prepare_billing", requests=[request])
        self.assertEqual(response.status_code, HTTPStatus.FORBIDDEN, "Odoo refuses private methods")
        response = self._call(
            self.accountant,
            "product.pricelist",
            "resolve_billing_prices",
            requests=[{"partner_id": self.customer.id, "product_id": self.product.id, "quantity": 2}],
        )
        self.assertEqual(response.json()[0]["price"], 0.5, "the documented API stays public")

    @mute_logger("odoo.http")
    def test_price_source_is_not_taken_from_the_client(self):
        response = self._call(
            self.accountant,
            "account.move",
            "create",
            vals_list=[
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_line_ids": [
                        Command.create(
                            {"product_id": self.product.id, "price_unit": 99.0, "price_source": "pricelist"}
                        )
                    ],
                }
            ],
        )
        self.assertEqual(response.status_code, HTTPStatus.UNPROCESSABLE_ENTITY, response.text)
        self.assertIn("billing price resolution", response.json()["message"])

    def test_numbers_that_are_not_consumption_are_row_errors(self):
        row = '{"partner": "INT-CUST", "product": "INT-CALLS", "date": "2026-03-02", %s}'
        numbers = ("NaN", "Infinity", "1e13", "1e400", "1" + "0" * 400)
        rows = [row % f'"quantity": {number}' for number in numbers]
        rows += [row % f'"quantity": 1, "rate": {number}' for number in numbers]
        response = self.url_open(
            "/json/2/consumption.record/ingest",
            data='{"rows": [' + ", ".join(rows) + "]}",
            headers={
                "Authorization": f"bearer {self.api_keys[self.user_a]}",
                "X-Odoo-Database": self.env.cr.dbname,
                "Content-Type": "application/json",
            },
        )
        self.assertEqual(response.status_code, HTTPStatus.OK, response.text)
        self.assertEqual(
            [(error["index"], error["field"]) for error in response.json()["errors"]],
            [(index, "quantity") for index in range(5)] + [(index, "rate") for index in range(5, 10)],
        )
        self.assertFalse(self.Record.search([("partner_id", "=", self.customer.id)]))

    @mute_logger("odoo.http")
    def test_oversized_body_is_refused_before_it_is_parsed(self):
        self.env["ir.config_parameter"].set_param(INGEST_MAX_BODY_PARAM, "4096")
        row = {"partner": "INT-CUST", "product": "INT-CALLS", "date": "2026-03-02", "quantity": 1}
        small = self._call(self.user_a, "consumption.record", "ingest", rows=[row] * 10)
        self.assertEqual(small.json()["created"], 10, small.text)
        large = self._call(self.user_a, "consumption.record", "ingest", rows=[row] * 100)
        self.assertEqual(large.status_code, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, large.text)
        self.assertEqual(self.Record.search_count([("partner_id", "=", self.customer.id)]), 10)
        other = self._call(
            self.accountant, "res.partner", "search_count", domain=[["id", "in", [self.customer.id] * 500]]
        )
        self.assertEqual(other.json(), 1, "the limit is ingest()'s only")
