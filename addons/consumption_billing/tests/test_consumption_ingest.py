from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import ConsumptionCase


@tagged("post_install", "-at_install")
class TestConsumptionIngest(ConsumptionCase):
    def ingested(self, refs):
        return self.Record.with_context(active_test=False).search(
            [("external_ref", "in", refs)],
            order="external_ref",
        )

    def test_success_with_every_kind_of_reference(self):
        result = self.Record.ingest(
            [
                self.row(external_ref="R1"),
                self.row(partner=self.customer_b.id, product=self.bank.id, quantity=2.5, external_ref="R2"),
                self.row(
                    partner="BE0477472701",
                    product="T-KWH",
                    uom="kwh",
                    rate=0.0,
                    external_ref="R3",
                    description="Meter 12",
                ),
                self.row(partner="be 0477.472.701", uom="Pack of 6", rate=1.25, external_ref="R4"),
                self.row(partner=self.contact.id, date="2026-02-28", quantity=3),
            ]
        )
        self.assertEqual(result, {"created": 5, "skipped": 0, "errors": []})
        r1, r2, r3, r4 = self.ingested(["R1", "R2", "R3", "R4"])
        self.assertEqual(
            (r1.partner_id, r1.product_id, r1.uom_id, r1.quantity), (self.customer, self.phone, self.unit, 10)
        )
        self.assertEqual((r1.date, r1.origin, r1.company_id), (date(2026, 3, 10), "api", self.company))
        self.assertFalse(r1.has_rate)
        self.assertEqual((r2.partner_id, r2.product_id, r2.quantity), (self.customer_b, self.bank, 2.5))
        self.assertEqual(
            (r3.partner_id, r3.product_id, r3.uom_id),
            (self.customer, self.power, self.kwh),
            "VAT, internal reference and a unit name in any case",
        )
        self.assertEqual((r3.has_rate, r3.rate, r3.description), (True, 0.0, "Meter 12"))
        self.assertEqual(
            (r4.partner_id, r4.uom_id, r4.rate),
            (self.customer, self.pack, 1.25),
            "a VAT written with spaces and dots still matches",
        )
        without_ref = self.Record.search([("partner_id", "=", self.contact.id)])
        self.assertEqual((without_ref.date, without_ref.quantity), (date(2026, 2, 28), 3))

    def test_reference_shared_by_company_and_contact_means_the_company(self):
        self.contact.ref = "CUST-ALPHA"
        result = self.Record.ingest([self.row(external_ref="R1")])
        self.assertEqual(result["created"], 1)
        self.assertEqual(self.ingested(["R1"]).partner_id, self.customer)

    def test_ambiguous_reference_is_an_error(self):
        self.customer_b.ref = "CUST-ALPHA"
        result = self.Record.ingest([self.row()])
        self.assertEqual(result["created"], 0)
        self.assertEqual([(e["index"], e["field"]) for e in result["errors"]], [(0, "partner")])

    def test_invalid_batch_writes_nothing_and_reports_every_bad_row(self):
        count_before = self.Record.search_count([])
        rows = [
            self.row(external_ref="OK-1"),
            self.row(partner="NOBODY"),
            self.row(external_ref="OK-2"),
            self.row(product="NO-SUCH-CODE", quantity=0),
            self.row(partner=self.customer_of_other_company.id),
            self.row(uom="kWh"),
            self.row(date="10/03/2026", rate=-1),
            "not a row",
            self.row(quantity="12"),
            self.row(unknown_key=1, external_ref=12),
            self.row(partner=None, product=True, date=None, quantity=None),
        ]
        result = self.Record.ingest(rows)
        self.assertEqual((result["created"], result["skipped"]), (0, 0))
        reported = [(error["index"], error["field"]) for error in result["errors"]]
        self.assertEqual(
            sorted(reported),
            sorted(
                [
                    (1, "partner"),
                    (3, "product"),
                    (3, "quantity"),
                    (4, "partner"),
                    (5, "uom"),
                    (6, "date"),
                    (6, "rate"),
                    (7, "row"),
                    (8, "quantity"),
                    (9, "unknown_key"),
                    (9, "external_ref"),
                    (10, "partner"),
                    (10, "product"),
                    (10, "date"),
                    (10, "quantity"),
                ]
            ),
        )
        self.assertEqual([e["index"] for e in result["errors"]], sorted(e["index"] for e in result["errors"]))
        self.assertTrue(all(error["message"] for error in result["errors"]))
        self.assertEqual(self.Record.search_count([]), count_before, "nothing written")

    def test_duplicates_are_skipped_and_counted(self):
        first = self.Record.ingest([self.row(external_ref="D1"), self.row(external_ref="D2")])
        self.assertEqual(first, {"created": 2, "skipped": 0, "errors": []})
        second = self.Record.ingest(
            [
                self.row(external_ref="D1", quantity=99),
                self.row(external_ref="D3"),
                self.row(external_ref="D3"),
                self.row(external_ref="D2"),
            ]
        )
        self.assertEqual(second, {"created": 1, "skipped": 3, "errors": []})
        records = self.ingested(["D1", "D2", "D3"])
        self.assertEqual(records.mapped("external_ref"), ["D1", "D2", "D3"])
        self.assertEqual(records[0].quantity, 10, "a skipped row never changes the existing record")

    def test_archived_record_still_blocks_its_reference(self):
        self.Record.ingest([self.row(external_ref="A1")])
        self.ingested(["A1"]).action_archive()
        self.assertEqual(self.Record.ingest([self.row(external_ref="A1")])["skipped"], 1)

    def test_same_reference_in_another_company_is_another_record(self):
        self.Record.ingest([self.row(external_ref="X1")])
        other = self.Record.with_company(self.other_company).ingest(
            [
                self.row(partner="CUST-GAMMA", external_ref="X1"),
            ]
        )
        self.assertEqual(other["created"], 1)
        self.assertEqual(self.ingested(["X1"]).company_id, self.company | self.other_company)

    def test_ingested_record_equals_created_record(self):
        """The SQL path stores exactly the column values create() stores."""
        self.Record.ingest(
            [
                self.row(
                    external_ref="EQ-1", quantity=3.456, rate=0.1234567, uom="pack of 6", description="Calls"
                ),
                self.row(external_ref="EQ-3", partner=self.customer_b.id, product=self.bank.id, quantity=7),
            ]
        )
        created = self.Record.create(
            [
                self.record_values(
                    external_ref="EQ-2",
                    quantity=3.456,
                    rate=0.1234567,
                    uom_id=self.pack.id,
                    description="Calls",
                    origin="api",
                ),
                self.record_values(
                    external_ref="EQ-4",
                    partner_id=self.customer_b.id,
                    product_id=self.bank.id,
                    quantity=7,
                    origin="api",
                ),
            ]
        )
        created.flush_recordset()
        self.env.cr.execute(
            "SELECT * FROM consumption_record WHERE external_ref IN ('EQ-1', 'EQ-2', 'EQ-3', 'EQ-4')"
            " ORDER BY external_ref"
        )
        columns = [column.name for column in self.env.cr.description]
        rows = [dict(zip(columns, row, strict=True)) for row in self.env.cr.fetchall()]
        self.assertEqual(len(rows), 4)
        for ingested_row, created_row in ((rows[0], rows[1]), (rows[2], rows[3])):
            for column in columns:
                if column in ("id", "external_ref"):
                    continue
                with self.subTest(column=column, ref=ingested_row["external_ref"]):
                    self.assertEqual(ingested_row[column], created_row[column])
        self.assertEqual(
            set(columns) - {"id"},
            {name for name, field in self.Record._fields.items() if field.store and field.column_type}
            - {"id"},
            "every stored field is a column compared above",
        )
        self.assertEqual(self.ingested(["EQ-1"]).create_uid, self.env.user)

    def test_ingested_records_are_visible_to_the_orm_at_once(self):
        self.assertEqual(self.customer.consumption_count, 0)
        self.Record.ingest([self.row(external_ref="V1")])
        self.assertEqual(self.customer.consumption_count, 1)

    def test_text_is_stored_verbatim(self):
        texts = [
            'O\'Brien "quoted" {braces}, commas',
            "'); DROP TABLE consumption_record; --",
            "back\\slash NULL",
            "Unicode: é ü 漢字 🚀",
            "NULL",
        ]
        rows = [self.row(external_ref=text, description=text) for text in texts]
        self.assertEqual(self.Record.ingest(rows)["created"], len(texts))
        stored = self.ingested(texts)
        self.assertEqual(sorted(stored.mapped("external_ref")), sorted(texts))
        self.assertEqual(sorted(stored.mapped("description")), sorted(texts))
        self.assertEqual(
            self.Record.ingest([self.row(external_ref="x\x00y")])["errors"][0]["field"], "external_ref"
        )

    @freeze_time("2026-03-15")
    def test_date_window(self):
        result = self.Record.ingest(
            [
                self.row(date="2016-03-15"),
                self.row(date="2027-03-15"),
                self.row(date="2016-03-14"),
                self.row(date="2027-03-16"),
                self.row(date="2026-02-30"),
            ]
        )
        self.assertEqual(
            [(e["index"], e["field"]) for e in result["errors"]], [(2, "date"), (3, "date"), (4, "date")]
        )

    def test_too_many_rows_or_not_a_list(self):
        with self.assertRaisesRegex(UserError, "at most 10000 rows"):
            self.Record.ingest([self.row()] * 10_001)
        with self.assertRaisesRegex(UserError, "list of rows"):
            self.Record.ingest({"partner": 1})
        self.assertEqual(self.Record.ingest([]), {"created": 0, "skipped": 0, "errors": []})

    def test_queries_do_not_grow_with_rows(self):
        def queries_to_ingest(count, prefix):
            rows = [
                self.row(
                    external_ref=f"{prefix}-{n}",
                    partner=["CUST-ALPHA", "CUST-BETA", self.contact.id][n % 3],
                    product=["T-PHONE", "T-BANK", self.power.id][n % 3],
                    uom=[None, "Units", "kWh"][n % 3],
                )
                for n in range(count)
            ]
            queries_before = self.cr.sql_log_count
            self.assertEqual(self.Record.ingest(rows)["created"], count)
            return self.cr.sql_log_count - queries_before

        queries_to_ingest(3, "warm")
        self.assertEqual(queries_to_ingest(600, "big"), queries_to_ingest(6, "small"))

    def test_needs_create_access(self):
        with self.assertRaises(AccessError):
            self.Record.with_user(self.auditor).ingest([self.row()])
        result = self.Record.with_user(self.consumption_user).ingest([self.row(external_ref="U1")])
        self.assertEqual(result["created"], 1)
        self.assertEqual(self.ingested(["U1"]).create_uid, self.consumption_user)

    def test_user_cannot_ingest_for_a_customer_of_another_company(self):
        result = self.Record.with_user(self.consumption_user).ingest([self.row(partner="CUST-GAMMA")])
        self.assertEqual([(e["index"], e["field"]) for e in result["errors"]], [(0, "partner")])

    def test_context_defaults_never_reach_the_insert(self):
        """ingest() inserts in SQL: a default of the caller's context would be stored on every row with no
        check at all (billed, linked to another company's documents, archived...). None is."""
        posted = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": "2026-03-31",
                "invoice_line_ids": [Command.create({"product_id": self.phone.id, "price_unit": 1.0})],
            }
        )
        posted.action_post()
        order = self.env["sale.order"].create(
            {"partner_id": self.customer.id, "order_line": [Command.create({"product_id": self.phone.id})]}
        )
        defaults = {
            "default_invoice_id": posted.id,
            "default_invoice_line_id": posted.invoice_line_ids.id,
            "default_sale_line_id": order.order_line.id,
            "default_billed": True,
            "default_active": False,
            "default_has_rate": True,
            "default_rate": 9.0,
            "default_company_id": self.other_company.id,
            "default_origin": "manual",
            "default_description": "injected",
            "default_uom_id": self.pack.id,
            "default_partner_id": self.customer_b.id,
            "default_external_ref": "injected",
            # not even a field without a column
            "default_amount_preview": 5.0,
            "default_is_locked": True,
        }
        expected = {
            "invoice_id": False,
            "invoice_line_id": False,
            "sale_line_id": False,
            "billed": False,
            "active": True,
            "has_rate": False,
            "rate": 0.0,
            "company_id": self.company.id,
            "origin": "api",
            "description": False,
            "uom_id": self.unit.id,
            "partner_id": self.customer.id,
        }
        Record = self.Record.with_user(self.consumption_user)
        for key, value in defaults.items():
            with self.subTest(key=key):
                ref = f"CTX-{key}"
                result = Record.with_context(**{key: value}).ingest([self.row(external_ref=ref)])
                self.assertEqual(result, {"created": 1, "skipped": 0, "errors": []})
                self.assertRecordValues(self.ingested([ref]), [expected])

    def test_ir_defaults_never_reach_the_insert(self):
        IrDefault = self.env["ir.default"]
        IrDefault.set("consumption.record", "billed", True)
        IrDefault.set("consumption.record", "active", False)
        IrDefault.set("consumption.record", "description", "from ir.default")
        self.assertTrue(self.Record.create(self.record_values()).billed, "ir.default applies to create()")
        self.Record.with_user(self.consumption_user).ingest([self.row(external_ref="IRD-1")])
        self.assertRecordValues(
            self.ingested(["IRD-1"]), [{"billed": False, "active": True, "description": False}]
        )

    def test_numbers_that_are_not_consumption_are_row_errors(self):
        values = (float("nan"), float("inf"), -float("inf"), 1.5e12, 10**400)
        rows = [self.row(quantity=value) for value in values] + [self.row(rate=value) for value in values]
        result = self.Record.with_user(self.consumption_user).ingest([*rows, self.row(quantity=1e12)])
        self.assertEqual(result["created"], 0)
        self.assertEqual(
            [(error["index"], error["field"]) for error in result["errors"]],
            [(index, "quantity") for index in range(5)] + [(index, "rate") for index in range(5, 10)],
        )
        self.assertIn("1e+12", result["errors"][0]["message"])
