import io
from http import HTTPStatus
from unittest.mock import patch

import openpyxl
from freezegun import freeze_time

from odoo.addons.consumption_billing.report.consumption_statement import XLSX_MIMETYPE
from odoo.tests import HttpCase, new_test_user, tagged

from ..report import dashboard_xlsx
from .common import D
from .test_recurring_dashboard import RecurringDashboardCase


@tagged("post_install", "-at_install")
class TestRecurringDashboardExport(RecurringDashboardCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.export = cls.env["recurring.dashboard.xlsx"]

    def _workbook(self, domain):
        content = self.export._generate(domain)
        return openpyxl.load_workbook(io.BytesIO(content), data_only=True)

    @staticmethod
    def _records(sheet):
        """The data rows of a sheet as dicts by header, without the total row."""
        rows = list(sheet.iter_rows(values_only=True))
        header = rows[0]
        return [dict(zip(header, row, strict=True)) for row in rows[1:] if row[0] != "Total"]

    @freeze_time("2026-03-15")
    def test_sheets_rows_and_totals(self):
        healthy = self._healthy_order()
        missing = self._create_order()
        quarterly = self._create_order(recurrence_frequency="quarterly")
        self._generate(quarterly)
        silent = self.env["res.partner"].create({"name": "Silent SA", "is_company": True})
        no_email = self._create_order(
            partner=silent, recurrence_invoice_state="sent", recurrence_bill_parent=True
        )
        orders = healthy | missing | quarterly | no_email
        workbook = self._workbook([("order_id", "in", orders.ids)])

        self.assertEqual(
            workbook.sheetnames,
            [
                "Orders",
                "Missing invoices",
                "Duplicate invoices",
                "Amount discrepancies",
                "Missing emails",
                "Inconsistencies",
                "Failed generations",
                "No consumption",
                "Revenue per month",
            ],
        )
        orders_sheet = workbook["Orders"]
        self.assertEqual(orders_sheet.freeze_panes, "B2")
        self.assertTrue(orders_sheet.auto_filter.ref.startswith("A1:"))
        rows = self._records(orders_sheet)
        self.assertEqual(len(rows), 4)
        by_order = {row["Order"]: row for row in rows}
        self.assertEqual(set(by_order), set(orders.mapped("name")))
        self.assertEqual(rows[0]["Order"], no_email.name, "the most problems first, as on the dashboard")

        row = by_order[missing.name]
        self.assertEqual(row["Customer"], self.customer_en.name)
        self.assertEqual(row["Frequency"], "Monthly")
        self.assertEqual(row["Missing Invoices"], 3)
        self.assertEqual(row["Next Generation"].date(), D(2026, 1, 1))
        self.assertEqual(row["Recurring Untaxed"], 210.0)
        self.assertEqual(row["Recurring Total"], 252.0)
        self.assertIn("Missing invoices: 3 due period(s)", row["Problem Details"])
        row = by_order[no_email.name]
        self.assertEqual(row["Problems"], 3)
        self.assertIn("Missing email", row["Problem Details"])
        self.assertIn("no parent company", row["Problem Details"])
        self.assertEqual(by_order[healthy.name]["Problems"], 0)
        self.assertEqual(by_order[healthy.name]["Last Invoice"], self._active_invoices(healthy)[-1].name)
        self.assertEqual(by_order[quarterly.name]["Monthly Recurring Revenue (company currency)"], 70.0)

        total = next(row for row in orders_sheet.iter_rows(values_only=True) if row[0] == "Total")
        header = next(orders_sheet.iter_rows(values_only=True))
        totals = dict(zip(header, total, strict=True))
        self.assertEqual(totals["Monthly Recurring Revenue (company currency)"], 3 * 210.0 + 70.0)
        self.assertEqual(totals["Missing Invoices"], 3 + 3)
        self.assertEqual(totals["Recurring Untaxed"], 4 * 210.0)
        self.assertEqual(totals["Problems"], 1 + 3)

        self.assertEqual(
            {row["Order"] for row in self._records(workbook["Missing invoices"])},
            {missing.name, no_email.name},
        )
        emails = self._records(workbook["Missing emails"])
        self.assertEqual([row["Order"] for row in emails], [no_email.name])
        self.assertIn("Silent SA has no email address", emails[0]["Details"])
        self.assertEqual(
            [row["Order"] for row in self._records(workbook["Inconsistencies"])], [no_email.name]
        )
        self.assertEqual(self._records(workbook["Duplicate invoices"]), [])

        revenue = self._records(workbook["Revenue per month"])
        by_month = {row["Month"].date(): row for row in revenue}
        self.assertEqual(set(by_month), {D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)})
        for month in by_month.values():
            self.assertEqual(month["Monthly"], 210.0, "the healthy order's invoice of each month")
            self.assertEqual(month["Quarterly"], 70.0, "a third of the quarterly invoice of January")
            self.assertEqual(month["Monthly Recurring Revenue"], 280.0)
        self.assertEqual(by_month[D(2026, 1, 1)]["Invoiced Subscription"], 420.0)
        self.assertEqual(by_month[D(2026, 2, 1)]["Invoiced Subscription"], 210.0)
        revenue_total = next(
            row for row in workbook["Revenue per month"].iter_rows(values_only=True) if row[0] == "Total"
        )
        revenue_header = next(workbook["Revenue per month"].iter_rows(values_only=True))
        self.assertEqual(
            dict(zip(revenue_header, revenue_total, strict=True))["Monthly Recurring Revenue"], 840.0
        )

    @freeze_time("2026-03-15")
    def test_every_cell_has_the_sheet_style(self):
        """Text and whole numbers take the workbook's default style, the other cells a format of their
        own: all of them read the same (size 10, top aligned)."""
        order = self._create_order()
        sheet = openpyxl.load_workbook(io.BytesIO(self.export._generate([("order_id", "=", order.id)])))[
            "Orders"
        ]
        header = [cell.value for cell in sheet[1]]
        formats = {}
        for column in ("Customer", "Missing Invoices", "Recurring Untaxed", "First Generation"):
            cell = sheet.cell(row=2, column=header.index(column) + 1)
            formats[column] = (cell.font.sz, cell.alignment.vertical, cell.number_format)
        self.assertEqual(
            formats,
            {
                "Customer": (10, "top", "General"),
                "Missing Invoices": (10, "top", "General"),
                "Recurring Untaxed": (10, "top", "#,##0.00"),
                "First Generation": (10, "top", "mm/dd/yyyy"),
            },
        )
        self.assertTrue(sheet.cell(row=1, column=1).font.b, "the header is bold")

    @freeze_time("2026-03-15")
    def test_dates_are_real_dates_in_the_language_format(self):
        """Dates show as the user's language writes them (the conversion the consumption statement uses
        too, day-first or month-first), while the cells stay dates."""
        order = self._create_order()
        for date_format, expected in (("%m/%d/%Y", "mm/dd/yyyy"), ("%-d.%-m.%Y", "d.m.yyyy")):
            with self.subTest(date_format=date_format):
                self.env["res.lang"]._lang_get("en_US").date_format = date_format
                content = self.export._generate([("order_id", "=", order.id)])
                sheet = openpyxl.load_workbook(io.BytesIO(content))["Orders"]
                header = [cell.value for cell in sheet[1]]
                cell = sheet.cell(row=2, column=header.index("First Generation") + 1)
                self.assertEqual(cell.value.date(), D(2026, 1, 1))
                self.assertEqual(cell.number_format, expected)

    def test_amount_discrepancy_sheet(self):
        order = self._create_order(recurrence_invoice_state="draft")
        self._generate(order)
        order.order_line.filtered(lambda line: line.product_id == self.product_option).price_unit = 40.0
        workbook = self._workbook([("order_id", "=", order.id)])
        rows = self._records(workbook["Amount discrepancies"])
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["Last Invoice Subscription"], 210.0)
        self.assertEqual(rows[0]["Recurring Untaxed"], 220.0)
        self.assertEqual(rows[0]["Difference"], -10.0)

    @freeze_time("2026-03-15")
    def test_workbook_is_the_same_whatever_the_chunk_size(self):
        orders = (
            self._healthy_order()
            | self._create_order()
            | self._create_order(recurrence_frequency="quarterly")
            | self._create_order(recurrence_invoice_state="sent")
        )
        self._generate(orders[2])
        domain = [("order_id", "in", orders.ids)]
        whole = self._cells(self.export._generate(domain))
        with patch.object(dashboard_xlsx, "EXPORT_CHUNK_SIZE", 1):
            chunked = self._cells(self.export._generate(domain))
        self.assertEqual(chunked, whole)
        self.assertEqual(len(whole["Orders"]), 1 + 4 + 1, "the header, every order, the total")
        self.assertEqual(
            [row[0] for row in whole["Orders"][1:-1]],
            self.dashboard.search(domain).mapped("name"),
            "in the dashboard's order",
        )

    @staticmethod
    def _cells(content):
        workbook = openpyxl.load_workbook(io.BytesIO(content), data_only=True)
        return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook}

    @freeze_time("2026-03-15")
    def test_rows_are_read_in_chunks_in_order(self):
        orders = self._create_order() | self._create_order() | self._create_order()
        self._generate(orders[0])
        queries = self.export._rows_queries([("order_id", "in", orders.ids)], size=2)
        chunks = [self.env.execute_query_dict(query) for query in queries]
        self.assertEqual([len(chunk) for chunk in chunks], [2, 1])
        expected = self.dashboard.search([("order_id", "in", orders.ids)]).mapped("name")
        self.assertEqual([row["name"] for chunk in chunks for row in chunk], expected)


@tagged("post_install", "-at_install")
class TestRecurringDashboardDownload(HttpCase, RecurringDashboardCase):
    """The download writes the workbook to a file and sends it, with its length."""

    def test_billing_user_downloads_the_current_search(self):
        new_test_user(
            self.env,
            login="dashboard_exporter",
            groups="sales_team.group_sale_salesman_all_leads,account.group_account_invoice",
        )
        exported = self._create_order()
        other = self._create_order()
        self.authenticate("dashboard_exporter", "dashboard_exporter")
        response = self.url_open(
            self.env["recurring.dashboard.xlsx"]._download_url([("order_id", "=", exported.id)])
        )
        self.assertEqual(response.status_code, HTTPStatus.OK)
        self.assertEqual(response.headers["Content-Type"], XLSX_MIMETYPE)
        self.assertEqual(int(response.headers["Content-Length"]), len(response.content))
        orders = openpyxl.load_workbook(io.BytesIO(response.content), data_only=True)["Orders"]
        names = [row[0] for row in orders.iter_rows(min_row=2, values_only=True) if row[0] != "Total"]
        self.assertEqual(names, [exported.name])
        self.assertNotIn(other.name, names)
