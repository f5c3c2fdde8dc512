import io
from http import HTTPStatus

import openpyxl

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from ..controllers.portal import ConsumptionPortal
from ..report.consumption_statement import XLSX_MIMETYPE
from .common import ConsumptionCase


class PortalConsumptionCase(HttpCase, ConsumptionCase):
    """Portal users of Alpha (a contact of it), of Beta, of a holding and of the holding's subsidiary (a
    company of its own). Each record's description names it, so a page or a file shows at a glance whose
    records it holds."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.holding = Partner.create({"name": "Holding Group", "is_company": True})
        cls.subsidiary = Partner.create(
            {"name": "Holding Subsidiary", "is_company": True, "parent_id": cls.holding.id}
        )
        cls.beta_contact = Partner.create({"name": "Bert Beta", "parent_id": cls.customer_b.id})
        cls.holding_contact = Partner.create({"name": "Hanna Holding", "parent_id": cls.holding.id})
        cls.alpha_portal = cls._portal_user("alpha_portal", cls.contact)
        cls.beta_portal = cls._portal_user("beta_portal", cls.beta_contact)
        cls.holding_portal = cls._portal_user("holding_portal", cls.holding_contact)
        cls.subsidiary_portal = cls._portal_user("subsidiary_portal", cls.subsidiary)
        values = cls.record_values
        cls.alpha_march = cls.Record.create(
            [
                values(date="2026-03-05", quantity=10, description="CONS-A1"),
                values(date="2026-03-20", quantity=5, partner_id=cls.contact.id, description="CONS-A2"),
            ]
        )
        cls.alpha_april = cls.Record.create(
            values(date="2026-04-02", quantity=2, product_id=cls.bank.id, description="CONS-A3")
        )
        cls.alpha_other_company = cls.Record.with_company(cls.other_company).create(
            values(date="2026-03-06", quantity=99, company_id=cls.other_company.id, description="CONS-AX")
        )
        cls.beta_record = cls.Record.create(
            values(date="2026-03-10", quantity=7, partner_id=cls.customer_b.id, description="CONS-B1")
        )
        cls.holding_records = cls.Record.create(
            [
                values(
                    date="2026-03-08",
                    quantity=100,
                    product_id=cls.power.id,
                    partner_id=cls.holding.id,
                    description="CONS-H1",
                ),
                values(
                    date="2026-03-09",
                    quantity=50,
                    product_id=cls.power.id,
                    partner_id=cls.subsidiary.id,
                    description="CONS-S1",
                ),
            ]
        )
        cls.alpha_invoice = cls._invoice(cls.customer, cls.phone, cls.alpha_march, 15)
        cls.beta_invoice = cls._invoice(cls.customer_b, cls.phone, cls.beta_record, 7)
        # Documents as the billing engine makes them: only the engine links records to their lines.
        engine_context = cls.env["consumption.billing"]._engine_context()
        cls.alpha_order = (
            cls.env["sale.order"]
            .with_context(**engine_context)
            .create(
                {
                    "partner_id": cls.customer.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": cls.bank.id,
                                "product_uom_qty": 2,
                                "price_unit": 2.0,
                                "consumption_record_ids": [Command.set(cls.alpha_april.ids)],
                            }
                        )
                    ],
                }
            )
            .with_env(cls.env)
        )
        cls.alpha_order.action_confirm()

    @classmethod
    def _portal_user(cls, login, partner):
        return new_test_user(
            cls.env,
            login,
            groups="base.group_portal",
            partner_id=partner.id,
            name=partner.name,
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    @classmethod
    def _invoice(cls, customer, product, records, quantity):
        engine_context = cls.env["consumption.billing"]._engine_context()
        invoice = (
            cls.env["account.move"]
            .with_context(**engine_context)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "invoice_date": "2026-04-01",
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "quantity": quantity,
                                "price_unit": 0.10,
                                "consumption_record_ids": [Command.set(records.ids)],
                            }
                        )
                    ],
                }
            )
            .with_env(cls.env)
        )
        invoice.action_post()
        return invoice

    def get(self, url, **params):
        return self.url_open(url, params=params, allow_redirects=False)

    def download(self, url, **params):
        response = self.get(url, **params)
        self.assertEqual(response.status_code, HTTPStatus.OK, url)
        self.assertEqual(response.headers["Content-Type"], XLSX_MIMETYPE)
        return openpyxl.load_workbook(io.BytesIO(response.content)).active

    @staticmethod
    def list_rows(sheet):
        """(descriptions of the records, {product: total quantity}) of an exported list."""
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        descriptions = sorted(row[3] for row in rows if row[0])
        totals = {row[2]: row[4] for row in rows if not row[0] and row[2]}
        return descriptions, totals


@tagged("post_install", "-at_install")
class TestPortalConsumption(PortalConsumptionCase):
    def test_each_portal_user_sees_exactly_its_records_and_totals(self):
        expected = [
            (
                self.alpha_portal,
                ["CONS-A1", "CONS-A2", "CONS-A3"],
                {"[T-BANK] Bank charges": 2, "[T-PHONE] Phone units": 15},
            ),
            (self.beta_portal, ["CONS-B1"], {"[T-PHONE] Phone units": 7}),
            (self.holding_portal, ["CONS-H1", "CONS-S1"], {"[T-KWH] Power": 150}),
            (self.subsidiary_portal, ["CONS-S1"], {"[T-KWH] Power": 50}),
        ]
        everything = {"CONS-A1", "CONS-A2", "CONS-A3", "CONS-AX", "CONS-B1", "CONS-H1", "CONS-S1"}
        for user, descriptions, totals in expected:
            with self.subTest(user=user.login):
                self.authenticate(user.login, user.login)
                page = self.get("/my/consumption")
                self.assertEqual(page.status_code, HTTPStatus.OK)
                for description in everything:
                    check = self.assertIn if description in descriptions else self.assertNotIn
                    check(description, page.text)
                exported = self.list_rows(self.download("/my/consumption/export"))
                self.assertEqual(exported, (descriptions, totals))
                counters = self.make_jsonrpc_request("/my/counters", {"counters": ["consumption_count"]})
                self.assertEqual(counters["consumption_count"], 1)  # the tile shows, counted with limit=1

    def test_filters_pager_and_export_of_the_filtered_list(self):
        self.authenticate("alpha_portal", "alpha_portal")
        cases = [
            ({"month": "2026-03"}, ["CONS-A1", "CONS-A2"], {"[T-PHONE] Phone units": 15}),
            ({"product": self.bank.id}, ["CONS-A3"], {"[T-BANK] Bank charges": 2}),
            ({"filterby": "to_bill"}, ["CONS-A3"], {"[T-BANK] Bank charges": 2}),
            ({"filterby": "billed", "month": "2026-04"}, [], {}),
            (
                {"month": "not-a-month", "product": "x"},
                ["CONS-A1", "CONS-A2", "CONS-A3"],
                {"[T-BANK] Bank charges": 2, "[T-PHONE] Phone units": 15},
            ),
        ]
        for params, descriptions, totals in cases:
            with self.subTest(params=params):
                page = self.get("/my/consumption", **params)
                self.assertEqual(page.status_code, HTTPStatus.OK)
                for description in ("CONS-A1", "CONS-A2", "CONS-A3"):
                    check = self.assertIn if description in descriptions else self.assertNotIn
                    check(description, page.text)
                self.assertEqual(
                    self.list_rows(self.download("/my/consumption/export", **params)), (descriptions, totals)
                )
        self.authenticate("beta_portal", "beta_portal")
        others = self.download("/my/consumption/export", product=self.bank.id, month="2026-04")
        others = self.list_rows(others)
        self.assertEqual(others, ([], {}), "another customer's filters select nothing of Alpha's")
        self.authenticate("alpha_portal", "alpha_portal")
        page = self.get("/my/consumption", sortby="date")
        text = page.text
        self.assertLess(text.index("CONS-A3"), text.index("CONS-A2"), "newest first")
        self.assertLess(text.index("CONS-A2"), text.index("CONS-A1"))

    def test_pager(self):
        self.patch(ConsumptionPortal, "_items_per_page", 2)
        self.authenticate("alpha_portal", "alpha_portal")
        first, second = self.get("/my/consumption"), self.get("/my/consumption/page/2")
        self.assertIn("CONS-A3", first.text)
        self.assertIn("CONS-A2", first.text)
        self.assertNotIn("CONS-A1", first.text)
        self.assertIn("CONS-A1", second.text)
        self.assertIn("/my/consumption/page/2", first.text)
        self.assertEqual(
            self.list_rows(self.download("/my/consumption/export"))[0],
            ["CONS-A1", "CONS-A2", "CONS-A3"],
            "the download holds the whole filtered list, not the page",
        )

    def test_record_links_its_invoice_portal_page(self):
        self.authenticate("alpha_portal", "alpha_portal")
        page = self.get("/my/consumption")
        self.assertIn(f"/my/invoices/{self.alpha_invoice.id}?access_token=", page.text)
        self.assertIn(self.alpha_invoice.name, page.text)

    def test_setting_turns_the_page_off_per_company(self):
        self.company.consumption_portal = False
        self.authenticate("alpha_portal", "alpha_portal")
        with mute_logger("odoo.http"):
            self.assertEqual(self.get("/my/consumption").status_code, HTTPStatus.NOT_FOUND)
            self.assertEqual(self.get("/my/consumption/export").status_code, HTTPStatus.NOT_FOUND)
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["consumption_count"]})
        self.assertEqual(counters["consumption_count"], 0)
        self.assertNotIn("/my/consumption", self.get("/my").text)

    def test_other_company_record_never_appears(self):
        self.alpha_portal.company_ids = [Command.link(self.other_company.id)]
        self.authenticate("alpha_portal", "alpha_portal")
        self.assertNotIn("CONS-AX", self.get("/my/consumption").text)


@tagged("post_install", "-at_install")
class TestPortalStatement(PortalConsumptionCase):
    def assert_refused(self, response):
        self.assertIn(response.status_code, (HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND))
        self.assertNotIn(XLSX_MIMETYPE, response.headers.get("Content-Type", ""))
        self.assertNotIn(self.alpha_invoice.name, response.text)
        self.assertNotIn("CONS-A", response.text)

    def statement_values(self, sheet):
        return [list(row) for row in sheet.iter_rows(values_only=True)]

    def test_statement_link_on_the_invoice_and_order_pages(self):
        self.authenticate("alpha_portal", "alpha_portal")
        invoice_page = self.get(f"/my/invoices/{self.alpha_invoice.id}")
        self.assertIn(f"/my/invoices/{self.alpha_invoice.id}/statement?access_token=", invoice_page.text)
        self.assertIn("Consumption statement (XLSX)", invoice_page.text)
        order_page = self.get(f"/my/orders/{self.alpha_order.id}")
        self.assertIn(f"/my/orders/{self.alpha_order.id}/statement?access_token=", order_page.text)

    def test_statement_equals_the_back_office_one_and_the_invoice(self):
        self.authenticate("alpha_portal", "alpha_portal")
        for document, url in (
            (self.alpha_invoice, f"/my/invoices/{self.alpha_invoice.id}/statement"),
            (self.alpha_order, f"/my/orders/{self.alpha_order.id}/statement"),
        ):
            with self.subTest(document=document.display_name):
                sheet = self.download(url)
                __, content = self.env["consumption.statement"]._build_statement(document)
                back_office = openpyxl.load_workbook(io.BytesIO(content)).active
                self.assertEqual(self.statement_values(sheet), self.statement_values(back_office))
                self.assertEqual(list(sheet.iter_rows(values_only=True))[-1][7], document.amount_untaxed)

    def test_access_token_link_works_without_login_for_its_document_only(self):
        invoice_token = self.alpha_invoice._portal_ensure_token()
        order_token = self.alpha_order._portal_ensure_token()
        sheet = self.download(f"/my/invoices/{self.alpha_invoice.id}/statement", access_token=invoice_token)
        self.assertEqual(list(sheet.iter_rows(values_only=True))[-1][7], self.alpha_invoice.amount_untaxed)
        self.download(f"/my/orders/{self.alpha_order.id}/statement", access_token=order_token)
        with mute_logger("odoo.http"):
            for url, token in (
                (f"/my/invoices/{self.beta_invoice.id}/statement", invoice_token),
                (f"/my/invoices/{self.alpha_invoice.id}/statement", invoice_token[:-1] + "x"),
                (f"/my/invoices/{self.alpha_invoice.id}/statement", None),
                (f"/my/orders/{self.alpha_order.id}/statement", invoice_token),
            ):
                with self.subTest(url=url, token=token):
                    self.assert_refused(self.get(url, access_token=token))

    def test_refused_statements_and_back_office_routes(self):
        """Another customer's statements, and the back-office statement route even for one's own
        documents."""
        invoice, order = self.alpha_invoice, self.alpha_order
        back_office = (
            f"/consumption_billing/statement/account.move/{invoice.id}",
            f"/consumption_billing/statement/sale.order/{order.id}",
        )
        refused = {
            "beta_portal": (
                f"/my/invoices/{invoice.id}/statement",
                f"/my/orders/{order.id}/statement",
                f"/my/invoices/{invoice.id}/statement?access_token=wrong",
                *back_office,
            ),
            "alpha_portal": back_office,
        }
        for login, urls in refused.items():
            self.authenticate(login, login)
            for url in urls:
                with self.subTest(login=login, url=url), mute_logger("odoo.http"):
                    self.assert_refused(self.get(url))

    @mute_logger("odoo.http")
    def test_portal_user_cannot_ingest_even_with_an_api_key(self):
        self.env["ir.config_parameter"].set_param("portal.allow_api_keys", True)
        # sudo: a key without expiry needs it; the key still acts as the portal user.
        Keys = self.env["res.users.apikeys"].with_user(self.alpha_portal).sudo()
        key = Keys._generate(None, "portal", None)
        count = self.Record.search_count([])
        response = self.url_open(
            "/json/2/consumption.record/ingest",
            json={"rows": [self.row(external_ref="PORTAL-1")]},
            headers={"Authorization": f"bearer {key}", "X-Odoo-Database": self.env.cr.dbname},
        )
        self.assertEqual(response.status_code, HTTPStatus.FORBIDDEN)
        self.assertEqual(response.json()["name"], "odoo.exceptions.AccessError")
        self.assertEqual(self.Record.search_count([]), count)
