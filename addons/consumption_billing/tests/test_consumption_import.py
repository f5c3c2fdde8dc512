from odoo.tests import tagged

from .common import ConsumptionCase

CSV_HEADER = "Customer,Product,Date,Quantity,Unit,External Reference,Description\n"
IMPORT_OPTIONS = {
    "has_headers": True,
    "quoting": '"',
    "separator": ",",
    "date_format": "%Y-%m-%d",
    "float_decimal_separator": ".",
    "float_thousand_separator": ",",
}


@tagged("post_install", "-at_install")
class TestConsumptionImport(ConsumptionCase):
    """Odoo's standard import (base_import), keyed by the customer's reference or VAT and the product's
    internal reference; re-importing a file creates nothing twice."""

    def _import(self, csv_body):
        wizard = self.env["base_import.import"].create(
            {
                "res_model": "consumption.record",
                "file": (CSV_HEADER + csv_body).encode(),
                "file_type": "text/csv",
            }
        )
        preview = wizard.parse_preview(dict(IMPORT_OPTIONS))
        self.assertFalse(preview.get("error"), preview)
        fields = ["/".join(match) for match in preview["matches"].values()]
        self.assertEqual(
            fields,
            ["partner_id", "product_id", "date", "quantity", "uom_id", "external_ref", "description"],
            "the column titles are matched to the fields",
        )
        return wizard.execute_import(fields, preview["headers"], dict(IMPORT_OPTIONS))

    def test_import_by_references_then_reimport_creates_nothing_twice(self):
        csv_body = (
            "CUST-ALPHA,T-PHONE,2026-03-01,120,Units,IMP-1,Mobile calls\n"
            "BE0477472701,T-KWH,2026-03-02,1500.5,KWH,IMP-2,Meter 7\n"
            "CUST-BETA,T-BANK,2026-03-03,4,,IMP-3,\n"
        )
        result = self._import(csv_body)
        self.assertEqual(result["messages"], [])
        records = self.Record.browse(result["ids"])
        self.assertEqual(records.mapped("partner_id"), self.customer | self.customer | self.customer_b)
        self.assertEqual(records.mapped("product_id"), self.phone | self.power | self.bank)
        self.assertEqual(records.mapped("quantity"), [120, 1500.5, 4])
        self.assertEqual(records.mapped("uom_id"), self.unit | self.kwh | self.unit)
        self.assertEqual(set(records.mapped("origin")), {"import"})

        again = self._import(csv_body + "CUST-BETA,T-BANK,2026-03-04,6,,IMP-4,\n")
        self.assertEqual(again["messages"], [])
        self.assertEqual(again["ids"][:3], result["ids"], "the rows already imported stand for their records")
        self.assertEqual(self.Record.search_count([("external_ref", "like", "IMP-")]), 4)

    def test_reimport_does_not_touch_billed_records(self):
        result = self._import("CUST-ALPHA,T-PHONE,2026-03-01,120,Units,IMP-B1,\n")
        record = self.Record.browse(result["ids"])
        record.billed = True
        again = self._import("CUST-ALPHA,T-PHONE,2026-03-01,999,Units,IMP-B1,\n")
        self.assertEqual(again["ids"], record.ids)
        self.assertEqual(record.quantity, 120)

    def test_import_errors_name_the_row(self):
        result = self._import(
            "CUST-ALPHA,T-PHONE,2026-03-01,120,Units,IMP-E1,\nCUST-ALPHA,NO-SUCH-PRODUCT,2026-03-01,1,,IMP-E2,\n"
        )
        self.assertFalse(result["ids"])
        self.assertEqual({message["type"] for message in result["messages"]}, {"error"})
        self.assertEqual(result["messages"][0]["rows"], {"from": 1, "to": 1})
        self.assertIn("NO-SUCH-PRODUCT", result["messages"][0]["message"])
        self.assertEqual(self.Record.search_count([("external_ref", "like", "IMP-E")]), 0)

    def test_load_with_duplicate_references_in_one_file(self):
        result = self.Record.load(
            ["partner_id", "product_id", "date", "quantity", "external_ref"],
            [
                ["CUST-ALPHA", "T-PHONE", "2026-03-01", "5", "DUP-1"],
                ["CUST-ALPHA", "T-PHONE", "2026-03-01", "5", "DUP-1"],
            ],
        )
        self.assertEqual(result["messages"], [])
        self.assertEqual(len(set(result["ids"])), 1)
        self.assertEqual(self.Record.search_count([("external_ref", "=", "DUP-1")]), 1)
