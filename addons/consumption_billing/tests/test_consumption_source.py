import socket
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import requests

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import common as odoo_test_common
from odoo.tests import new_test_user, tagged

from .common import ConsumptionCase
from .feed_server import FeedServer


class ConsumptionSourceCase(ConsumptionCase):
    """Sources fetching from a real HTTP server on 127.0.0.1."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = FeedServer()
        cls.addClassCleanup(cls.server.stop)
        cls.Source = cls.env["consumption.source"]

    def setUp(self):
        super().setUp()
        self.server.routes.clear()
        self.server.requests.clear()

    def make_source(self, path="/usage", **values):
        return self.Source.create(
            {
                "name": "Meter platform",
                "url": self.server.base_url + path,
                "user_id": self.consumption_manager.id,
                "timeout": 5,
                **values,
            }
        )

    @staticmethod
    def rows(*refs, **values):
        return [
            {
                "partner": "CUST-ALPHA",
                "product": "T-PHONE",
                "date": "2026-11-10",
                "quantity": 10,
                "external_ref": ref,
                **values,
            }
            for ref in refs
        ]


@tagged("post_install", "-at_install")
class TestConsumptionSourceHttp(ConsumptionSourceCase):
    def test_json_pages_followed_through_next_key(self):
        self.server.serve("/usage", {"data": self.rows("A1", "A2"), "next": "/usage/2"})
        self.server.serve("/usage/2", {"data": self.rows("A3"), "next": None})
        source = self.make_source(rows_key="data")
        source.action_run()
        self.assertRecordValues(
            source.run_ids,
            [
                {
                    "state": "done",
                    "units": 2,
                    "rows_read": 3,
                    "rows_created": 3,
                    "rows_skipped": 0,
                    "error_message": False,
                }
            ],
        )
        records = self.Record.search([("external_ref", "in", ["A1", "A2", "A3"])])
        self.assertEqual(len(records), 3)
        self.assertEqual(records.company_id, self.company)
        self.assertEqual(records.create_uid, self.consumption_manager)
        source.action_run()
        self.assertEqual(len(source.run_ids), 2, "exactly one run per call")
        self.assertRecordValues(source.run_ids[0], [{"state": "done", "rows_created": 0, "rows_skipped": 3}])
        self.assertEqual(self.Record.search_count([("external_ref", "in", ["A1", "A2", "A3"])]), 3)
        self.assertEqual(source.last_run_state, "done")

    def test_json_pages_followed_through_link_header(self):
        second = self.server.base_url + "/usage/page2"
        self.server.serve("/usage", self.rows("L1"), headers={"Link": f'<{second}>; rel="next"'})
        self.server.serve("/usage/page2", self.rows("L2", "L3"))
        source = self.make_source()
        source.action_run()
        self.assertRecordValues(source.run_ids, [{"state": "done", "units": 2, "rows_created": 3}])
        self.assertEqual([path for path, _headers in self.server.requests], ["/usage", "/usage/page2"])

    def test_since_is_start_from_then_start_of_last_success(self):
        self.server.serve("/usage", self.rows("S1"))
        source = self.make_source(path="/usage?since={since}", start_from=datetime(2026, 11, 1, 6, 30))
        source.action_run()
        first_run = source.run_ids
        source.action_run()
        sent = [parse_qs(urlsplit(path).query)["since"][0] for path, _headers in self.server.requests]
        self.assertEqual(sent[0], "2026-11-01T06:30:00Z")
        self.assertEqual(sent[1], first_run.started_at.strftime("%Y-%m-%dT%H:%M:%SZ"))
        self.assertEqual(source.last_success_at, source.run_ids[0].started_at)

    def test_csv_with_own_columns_formats_and_constant_product(self):
        self.server.serve(
            "/cdr.csv",
            "Kunde;Datum;Menge;Text\nCUST-ALPHA;03/11/2026;12,5;call 1\nCUST-BETA;04/11/2026;3;call 2\n",
            headers={"Content-Type": "text/csv"},
        )
        source = self.make_source(
            path="/cdr.csv",
            file_format="csv",
            csv_delimiter=";",
            decimal_separator=",",
            date_format="%d/%m/%Y",
            partner_key="Kunde",
            date_key="Datum",
            quantity_key="Menge",
            description_key="Text",
            constant_product_id=self.power.id,
        )
        source.action_run()
        self.assertRecordValues(source.run_ids, [{"state": "done", "rows_created": 2}])
        records = self.Record.search([("product_id", "=", self.power.id)], order="date")
        self.assertRecordValues(
            records,
            [
                {
                    "partner_id": self.customer.id,
                    "date": fields.Date.to_date("2026-11-03"),
                    "quantity": 12.5,
                    "description": "call 1",
                    "external_ref": f"source-{source.id}:{source.url}#1",
                },
                {
                    "partner_id": self.customer_b.id,
                    "date": fields.Date.to_date("2026-11-04"),
                    "quantity": 3,
                    "description": "call 2",
                    "external_ref": f"source-{source.id}:{source.url}#2",
                },
            ],
        )
        source.action_run()
        self.assertRecordValues(source.run_ids[0], [{"state": "done", "rows_created": 0, "rows_skipped": 2}])

    def test_error_on_page_two_then_rerun_resumes_without_duplicates(self):
        self.server.serve("/usage", {"rows": self.rows("R1", "R2"), "next": "/usage/2"})
        self.server.serve("/usage/2", "database down", status=500)
        self.server.serve("/usage/2", {"rows": self.rows("R3"), "next": None})
        source = self.make_source(rows_key="rows", start_from=datetime(2026, 11, 1))
        source.action_run()
        failed = source.run_ids
        self.assertRecordValues(failed, [{"state": "failed", "units": 1, "rows_created": 2}])
        self.assertIn("Page 2", failed.error_message)
        self.assertIn("HTTP 500", failed.error_message)
        self.assertFalse(source.last_success_at, "the cursor does not move past a failed page")
        self.assertEqual(source.last_run_state, "failed")
        self.assertEqual(len(source.activity_ids), 1)
        self.assertEqual(source.activity_ids.user_id, self.consumption_manager)

        self.server.routes["/usage/2"].insert(0, (500, {}, "still down", 0))
        source.action_run()
        self.assertEqual(len(source.activity_ids), 1, "one activity, not one per failed run")

        source.action_run()
        self.assertRecordValues(source.run_ids[0], [{"state": "done", "rows_created": 1, "rows_skipped": 2}])
        self.assertEqual(self.Record.search_count([("external_ref", "in", ["R1", "R2", "R3"])]), 3)
        self.assertFalse(source.activity_ids, "the activity is marked done by the next success")
        self.assertEqual(source.last_success_at, source.run_ids[0].started_at)

    def test_page_sent_twice_creates_nothing_twice(self):
        page = self.rows("T1", "T2")
        self.server.serve("/usage", page, headers={"Link": '</usage/again>; rel="next"'})
        self.server.serve("/usage/again", page)
        source = self.make_source()
        source.action_run()
        self.assertRecordValues(
            source.run_ids, [{"state": "done", "rows_read": 4, "rows_created": 2, "rows_skipped": 2}]
        )
        self.assertEqual(self.Record.search_count([("external_ref", "in", ["T1", "T2"])]), 2)

    def test_malformed_json_fails_the_run(self):
        self.server.serve(
            "/usage", '[{"partner": "CUST-ALPHA", ', headers={"Content-Type": "application/json"}
        )
        source = self.make_source()
        source.action_run()
        self.assertRecordValues(source.run_ids, [{"state": "failed", "rows_read": 0, "rows_created": 0}])
        self.assertIn("invalid JSON", source.run_ids.error_message)

    def test_wrong_mapping_fails_the_page_and_names_row_and_key(self):
        self.server.serve(
            "/usage", [{"customer": "CUST-ALPHA", "product": "T-PHONE", "date": "2026-11-10", "quantity": 1}]
        )
        source = self.make_source()
        source.action_run()
        self.assertEqual(source.run_ids.state, "failed")
        self.assertIn(
            "Row 1, field partner: Missing. The row has: customer, product, date, quantity",
            source.run_ids.error_message,
        )

    def test_bad_row_fails_its_whole_page(self):
        rows = self.rows("B1", "B2", "B3")
        rows[1]["product"] = "NO-SUCH-PRODUCT"
        rows[2]["date"] = "10.11.2026"
        self.server.serve("/usage", {"items": rows})
        source = self.make_source(rows_key="items", product_key="product")
        source.action_run()
        run = source.run_ids
        self.assertRecordValues(run, [{"state": "failed", "rows_read": 3, "rows_created": 0}])
        self.assertIn(
            "Row 3, field date: 10.11.2026 does not match the date format %Y-%m-%d.", run.error_message
        )
        self.assertFalse(self.Record.search([("external_ref", "in", ["B1", "B2", "B3"])]))
        rows[2]["date"] = "2026-11-10"
        self.server.routes["/usage"] = []
        self.server.serve("/usage", {"items": rows})
        source.action_run()
        self.assertIn("Row 2, field product: No single product", source.run_ids[0].error_message)
        self.assertFalse(self.Record.search([("external_ref", "in", ["B1", "B2", "B3"])]))

    def test_timeout_gives_a_failed_run(self):
        # Odoo's test harness raises request timeouts under 10 s to 10 s: give requests its own send back.
        self.patch(requests.Session, "send", odoo_test_common._super_send)
        self.server.serve("/slow", self.rows("X1"), delay=2)
        source = self.make_source(path="/slow", timeout=1)
        source.action_run()
        self.assertRecordValues(source.run_ids, [{"state": "failed", "rows_created": 0}])
        self.assertIn("no answer within 1 seconds", source.run_ids.error_message)

    def test_unreachable_host_gives_a_failed_run(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        source = self.make_source()
        source.url = f"http://127.0.0.1:{port}/usage"
        source.action_run()
        self.assertEqual(source.run_ids.state, "failed")
        self.assertIn("cannot be reached", source.run_ids.error_message)

    def test_auth_header_is_sent_but_never_logged(self):
        self.server.serve("/usage", "token s3cret-token is not valid", status=401)
        source = self.make_source(auth_header="Authorization: Bearer s3cret-token")
        with self.assertNoLogs("odoo.addons.consumption_billing", level="DEBUG"):
            source.action_run()
        self.assertEqual(self.server.requests[0][1]["Authorization"], "Bearer s3cret-token")
        self.assertIn("HTTP 401", source.run_ids.error_message)
        self.assertNotIn("s3cret", source.run_ids.error_message)
        self.assertNotIn("s3cret", source.activity_ids.note)

    def test_next_page_on_another_server_is_not_followed(self):
        self.server.serve("/usage", {"rows": self.rows("O1"), "next": "http://evil.example.com/steal"})
        source = self.make_source(rows_key="rows", auth_header="X-Api-Key: k")
        source.action_run()
        self.assertEqual(source.run_ids.state, "failed")
        self.assertIn("on another server", source.run_ids.error_message)
        self.assertEqual(len(self.server.requests), 1)

    def test_only_http_urls(self):
        for url in ("file:///etc/passwd", "ftp://example.com/usage.csv", "https:///nohost", "example.com"):
            with self.subTest(url=url), self.assertRaises(ValidationError):
                self.make_source().url = url
        with self.assertRaises(ValidationError):
            self.make_source(path="/usage?since={since}")  # no start_from
        with self.assertRaises(ValidationError):
            self.make_source(auth_header="Bearer without a name")

    def test_preview_shows_first_rows_and_errors_and_writes_nothing(self):
        rows = self.rows(*(f"P{number}" for number in range(25)))
        rows[3]["partner"] = "NOBODY"
        self.server.serve("/usage", rows)
        source = self.make_source()
        action = source.action_preview()
        preview = self.env["consumption.source.preview"].browse(action["res_id"])
        self.assertIn("20 rows shown, 1 with errors", preview.summary)
        self.assertIn("P19", preview.rows_html)
        self.assertNotIn("P20", preview.rows_html)
        self.assertIn("No single customer has the reference or VAT NOBODY", preview.rows_html)
        self.assertFalse(self.Record.search([("external_ref", "=like", "P%")]))
        self.assertFalse(source.run_ids)
        self.assertFalse(source.last_run_at)

    def test_cron_runs_due_sources_and_one_failure_stops_nothing(self):
        self.server.serve("/usage", self.rows("C1"))
        broken = self.make_source(path="/missing")
        working = self.make_source()
        not_due = self.make_source(name="Ran a minute ago")
        not_due.last_run_at = fields.Datetime.now() - timedelta(minutes=1)
        self.Source._run_due_sources()
        self.assertEqual(broken.run_ids.state, "failed")
        self.assertEqual(working.run_ids.state, "done")
        self.assertFalse(not_due.run_ids)
        self.assertTrue(self.Record.search([("external_ref", "=", "C1")]))
        self.assertGreater(working.next_run_at, fields.Datetime.now())
        self.Source._run_due_sources()
        self.assertEqual(len(working.run_ids), 1, "not due again before its interval")

    def test_stale_flag_after_three_intervals_without_success(self):
        source = self.make_source(interval_number=1, interval_type="hours")
        source.last_success_at = fields.Datetime.now() - timedelta(hours=2)
        self.assertFalse(source.is_stale)
        source.last_success_at = fields.Datetime.now() - timedelta(hours=4)
        self.assertTrue(source.is_stale)
        daily = self.make_source(name="Daily", interval_type="days")
        daily.last_success_at = fields.Datetime.now() - timedelta(days=2)
        self.assertFalse(daily.is_stale)
        stale = self.Source.search([("is_stale", "=", True)])
        self.assertIn(source, stale)
        self.assertNotIn(daily, stale)
        self.assertIn(daily, self.Source.search([("is_stale", "=", False)]))
        self.assertNotIn(source, self.Source.search([("is_stale", "!=", True)]))


@tagged("post_install", "-at_install")
class TestConsumptionSourceAccess(ConsumptionSourceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager_of_b = new_test_user(
            cls.env,
            "cons_manager_b",
            groups="base.group_user,consumption_billing.group_consumption_manager",
            company_id=cls.other_company.id,
            company_ids=[Command.set(cls.other_company.ids)],
        )

    def test_consumption_user_cannot_read_sources_nor_the_header(self):
        source = self.make_source(auth_header="Authorization: Bearer s3cret")
        as_user = source.with_user(self.consumption_user)
        with self.assertRaises(AccessError):
            as_user.read(["name"])
        with self.assertRaises(AccessError):
            as_user.read(["auth_header"])
        with self.assertRaises(AccessError):
            self.Source.with_user(self.consumption_user).search([])
        with self.assertRaises(AccessError):
            as_user.run_ids.read(["error_message"])
        self.assertEqual(
            source.with_user(self.consumption_manager).auth_header, "Authorization: Bearer s3cret"
        )

    def test_manager_of_company_b_does_not_see_company_a_sources(self):
        source = self.make_source()
        source.action_run()
        Source = self.Source.with_user(self.manager_of_b)
        self.assertFalse(Source.search([("id", "=", source.id)]))
        with self.assertRaises(AccessError):
            source.with_user(self.manager_of_b).read(["name"])
        with self.assertRaises(AccessError):
            source.run_ids.with_user(self.manager_of_b).read(["state"])
        with self.assertRaises(AccessError):
            source.with_user(self.manager_of_b).action_run()

    def test_source_writes_only_its_company_records(self):
        self.env["res.partner"].create(
            {"name": "Company A only", "ref": "CUST-A-ONLY", "company_id": self.company.id}
        )
        self.server.serve("/usage", self.rows("K1", partner="CUST-A-ONLY"))
        source = self.make_source(company_id=self.other_company.id, user_id=self.manager_of_b.id)
        source.action_run()
        run = source.run_ids
        self.assertEqual(run.state, "failed", "a customer of company A does not exist for company B's source")
        self.assertIn("No single customer has the reference or VAT CUST-A-ONLY", run.error_message)
        self.server.routes["/usage"] = []
        self.server.serve("/usage", self.rows("K2", partner="CUST-GAMMA"))
        source.action_run()
        self.assertEqual(source.run_ids[0].state, "done")
        self.assertEqual(self.Record.search([("external_ref", "=", "K2")]).company_id, self.other_company)

    def test_responsible_must_be_a_manager_of_the_company(self):
        with self.assertRaises(ValidationError):
            self.make_source(company_id=self.other_company.id, user_id=self.consumption_user.id)
        with self.assertRaises(ValidationError):
            self.make_source(user_id=self.consumption_user.id)
