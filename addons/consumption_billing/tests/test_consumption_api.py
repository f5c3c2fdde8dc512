import json
import re
from http import HTTPStatus
from pathlib import Path
from xmlrpc.client import Fault

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestConsumptionApi(HttpCase):
    """ingest() through Odoo's external APIs, authenticated with API keys, as integrators call it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.other_company = cls.env["res.company"].create({"name": "API Other Company"})
        cls.customer = cls.env["res.partner"].create({"name": "API Customer", "ref": "API-CUST"})
        cls.customer_of_other_company = cls.env["res.partner"].create(
            {
                "name": "API Other Customer",
                "ref": "API-OTHER",
                "company_id": cls.other_company.id,
            }
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "API calls",
                "default_code": "API-CALLS",
                "type": "service",
                "list_price": 0.01,
            }
        )
        cls.integrator = new_test_user(
            cls.env,
            "cons_integrator",
            groups="base.group_user,consumption_billing.group_consumption_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.auditor = new_test_user(cls.env, "cons_api_auditor", groups="account.group_account_readonly")
        cls.integrator_key = cls._api_key(cls.integrator)
        cls.auditor_key = cls._api_key(cls.auditor)

    @classmethod
    def _api_key(cls, user):
        # sudo: a key without expiry needs it; the key still acts as the user.
        return cls.env["res.users.apikeys"].with_user(user).sudo()._generate(None, "consumption test", None)

    def _post_ingest(self, rows, key, **payload):
        return self.url_open(
            "/json/2/consumption.record/ingest",
            json={"rows": rows, **payload},
            headers={"Authorization": f"bearer {key}", "X-Odoo-Database": self.env.cr.dbname},
        )

    def _rows(self, *refs):
        return [
            {
                "partner": "API-CUST",
                "product": "API-CALLS",
                "date": "2026-03-02",
                "quantity": 1000,
                "external_ref": ref,
            }
            for ref in refs
        ]

    def test_json2_ingest_with_api_key(self):
        response = self._post_ingest(self._rows("J1", "J2"), self.integrator_key)
        self.assertEqual(response.status_code, HTTPStatus.OK, response.text)
        self.assertEqual(response.json(), {"created": 2, "skipped": 0, "errors": []})
        again = self._post_ingest(self._rows("J2", "J3"), self.integrator_key)
        self.assertEqual(again.json(), {"created": 1, "skipped": 1, "errors": []})
        records = self.env["consumption.record"].search([("external_ref", "in", ["J1", "J2", "J3"])])
        self.assertEqual(len(records), 3)
        self.assertEqual(records.create_uid, self.integrator)
        self.assertEqual(set(records.mapped("origin")), {"api"})

    def test_json2_reports_bad_rows(self):
        rows = [
            *self._rows("B1"),
            {"partner": "API-OTHER", "product": "API-CALLS", "date": "2026-03-02", "quantity": -3},
        ]
        response = self._post_ingest(rows, self.integrator_key)
        self.assertEqual(response.status_code, HTTPStatus.OK, response.text)
        body = response.json()
        self.assertEqual(body["created"], 0)
        self.assertEqual(
            [(e["index"], e["field"]) for e in body["errors"]], [(1, "partner"), (1, "quantity")]
        )
        self.assertFalse(self.env["consumption.record"].search([("external_ref", "=", "B1")]))

    @mute_logger("odoo.http")
    def test_json2_refuses_missing_wrong_or_unauthorized_keys(self):
        for key in ("", "not-a-key"):
            with self.subTest(key=key):
                response = self._post_ingest(self._rows("K1"), key)
                self.assertEqual(response.status_code, HTTPStatus.UNAUTHORIZED)
        response = self._post_ingest(self._rows("K1"), self.auditor_key)
        self.assertEqual(response.status_code, HTTPStatus.FORBIDDEN)
        self.assertEqual(response.json()["name"], "odoo.exceptions.AccessError")
        too_many = self._post_ingest(self._rows("K1") * 10_001, self.integrator_key)
        self.assertEqual(too_many.status_code, HTTPStatus.UNPROCESSABLE_ENTITY)
        self.assertIn("at most 10000 rows", too_many.json()["message"])
        self.assertFalse(self.env["consumption.record"].search([("external_ref", "=", "K1")]))

    def test_xmlrpc_ingest_with_api_key(self):
        result = self.xmlrpc_object.execute_kw(
            self.env.cr.dbname,
            self.integrator.id,
            self.integrator_key,
            "consumption.record",
            "ingest",
            [self._rows("X1")],
        )
        self.assertEqual(result, {"created": 1, "skipped": 0, "errors": []})
        with mute_logger("odoo.http"), self.assertRaises(Fault):
            self.xmlrpc_object.execute_kw(
                self.env.cr.dbname,
                self.integrator.id,
                "wrong-key",
                "consumption.record",
                "ingest",
                [self._rows("X2")],
            )

    def test_readme_curl_example_works(self):
        """The curl example of readme/USAGE.md, sent as written."""
        usage = (Path(__file__).parents[1] / "readme" / "USAGE.md").read_text()
        curl = re.search(r"```bash\n(curl .*?)\n```", usage, re.DOTALL).group(1)
        self.assertIn("/json/2/consumption.record/ingest", curl)
        body = json.loads(re.search(r"-d '(.*)'", curl, re.DOTALL).group(1))
        self.env["res.partner"].create(
            [
                {"name": "Readme customer", "ref": "CUST-0042"},
                {"name": "Readme company", "is_company": True, "vat": "BE0477472701"},
            ]
        )
        self.env["product.product"].create(
            [
                {"name": "Minutes", "default_code": "TEL-MIN", "type": "service"},
                {
                    "name": "Energy",
                    "default_code": "KWH",
                    "type": "service",
                    "uom_id": self.env.ref("uom.product_uom_kwh").id,
                },
            ]
        )
        response = self._post_ingest(body["rows"], self.integrator_key)
        self.assertEqual(response.json(), {"created": 2, "skipped": 0, "errors": []})
        again = self._post_ingest(body["rows"], self.integrator_key)
        self.assertEqual(again.json(), {"created": 0, "skipped": 2, "errors": []}, "as the readme says")
