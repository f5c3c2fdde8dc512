import datetime
import io

import openpyxl

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from ..report.consumption_statement import XLSX_MIMETYPE, excel_date_format
from .common import ConsumptionCase

TABLE_HEADER_ROW = 9  # 1-based, as openpyxl counts
AMOUNT_FORMAT = "#,##0.00"


class StatementCase(ConsumptionCase):
    """An invoice and an order whose lines carry consumption records, exactly as the billing engine
    leaves them: one line per product, the records linked through `consumption_record_ids`."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Statement = cls.env["consumption.statement"]
        cls.customer.email = "billing@alpha.example.com"
        # Phone units at 0.13 less 10%: 0.117 a unit. Rows round to 0.59, 0.59, 0.70 (a pack of 6) and
        # 0.59 = 2.47 while the line's 21 units make 2.457 = 2.46: the last row carries the -0.01.
        cls.phone_records = cls.Record.create(
            [
                cls.record_values(date="2026-03-03", quantity=5, description="Calls Brussels"),
                cls.record_values(date="2026-03-10", quantity=5, description="Calls Paris"),
                cls.record_values(
                    date="2026-03-20", quantity=1, uom_id=cls.pack.id, description="SMS bundle"
                ),
                cls.record_values(
                    date="2026-03-25",
                    quantity=5,
                    external_ref="CDR-0325",
                    partner_id=cls.contact.id,
                ),
            ]
        )
        cls.bank_records = cls.Record.create(
            [
                cls.record_values(product_id=cls.bank.id, date="2026-03-01", quantity=1, rate=2.5),
                cls.record_values(product_id=cls.bank.id, date="2026-03-31", quantity=3),
            ]
        )
        # Documents as the billing engine makes them: only the engine links records and sets price sources.
        engine_context = cls.env["consumption.billing"]._engine_context()
        cls.invoice = (
            cls.env["account.move"]
            .with_context(**engine_context)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": cls.customer.id,
                    "invoice_date": "2026-04-01",
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": cls.phone.id,
                                "name": "Phone units, March 2026 (4 records)",
                                "quantity": 21,
                                "price_unit": 0.13,
                                "discount": 10,
                                "price_source": "pricelist",
                                "consumption_record_ids": [Command.set(cls.phone_records.ids)],
                            }
                        ),
                        Command.create(
                            {
                                "product_id": cls.bank.id,
                                "name": "Bank charges, March 2026 (2 records)",
                                "quantity": 4,
                                "price_unit": 2.5,
                                "price_source": "explicit",
                                "consumption_record_ids": [Command.set(cls.bank_records.ids)],
                            }
                        ),
                        Command.create({"name": "Set-up fee", "quantity": 1, "price_unit": 50.0}),
                    ],
                }
            )
        )
        cls.invoice = cls.invoice.with_env(cls.env)
        cls.phone_line, cls.bank_line, cls.fee_line = cls.invoice.invoice_line_ids.sorted("sequence")
        cls.order_records = cls.Record.create(
            [
                cls.record_values(partner_id=cls.customer_b.id, date="2026-02-05", quantity=10),
                cls.record_values(partner_id=cls.customer_b.id, date="2026-02-14", quantity=20),
                cls.record_values(partner_id=cls.customer_b.id, date="2026-02-27", quantity=30),
            ]
        )
        cls.order = (
            cls.env["sale.order"]
            .with_context(**engine_context)
            .create(
                {
                    "partner_id": cls.customer_b.id,
                    "date_order": "2026-03-01 10:00:00",
                    "user_id": cls.salesman.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": cls.phone.id,
                                "name": "Phone units, February 2026 (3 records)",
                                "product_uom_qty": 60,
                                "price_unit": 0.10,
                                "price_source": "catalog",
                                "consumption_record_ids": [Command.set(cls.order_records.ids)],
                            }
                        ),
                    ],
                }
            )
        )
        cls.order = cls.order.with_env(cls.env)

    def read_statement(self, document, user=None):
        statement = self.Statement.with_user(user) if user else self.Statement
        filename, content = statement._build_statement(document.with_user(user) if user else document)
        return filename, openpyxl.load_workbook(io.BytesIO(content)).active

    @staticmethod
    def table(sheet):
        """Record rows and subtotal rows of the table, as lists of cells, and the total row."""
        rows = list(sheet.iter_rows(min_row=TABLE_HEADER_ROW + 1))
        total_row = next(row for row in rows if row[2].value == "Total")
        body = rows[: rows.index(total_row)]
        return body, total_row


@tagged("post_install", "-at_install")
class TestConsumptionStatement(StatementCase):
    def test_invoice_statement_header(self):
        self.invoice.action_post()
        filename, sheet = self.read_statement(self.invoice)
        self.assertEqual(filename, f"Consumption statement {self.invoice.name.replace('/', '_')}.xlsx")
        self.assertEqual(sheet["A1"].value, "Consumption statement")
        header = {sheet.cell(row, 1).value: sheet.cell(row, 2).value for row in range(2, 8)}
        self.assertEqual(header["Company"], self.company.name)
        self.assertEqual(header["Customer"], "Alpha Retail")
        self.assertEqual(header["Period"], "03/01/2026 - 03/31/2026", "min and max record dates")
        self.assertEqual(header["Invoice"], self.invoice.name)
        self.assertEqual(header["Date"], datetime.datetime(2026, 4, 1))
        self.assertEqual(sheet["B6"].number_format, "mm/dd/yyyy")
        self.assertEqual(header["Currency"], self.invoice.currency_id.name)
        self.assertEqual(
            [cell.value for cell in sheet[TABLE_HEADER_ROW]],
            ["Date", "Product", "Description", "Quantity", "Unit", "Rate", "Source", "Amount"],
        )

    def test_invoice_statement_rows_subtotals_total(self):
        _filename, sheet = self.read_statement(self.invoice)
        body, total_row = self.table(sheet)
        record_rows = [row for row in body if row[0].value]
        subtotal_rows = [row for row in body if not row[0].value]
        self.assertEqual(len(record_rows), 6, "one row per record, the set-up fee has none")
        self.assertEqual(
            [(row[0].value.date(), *(cell.value for cell in row[1:5])) for row in record_rows],
            [
                (datetime.date(2026, 3, 3), "[T-PHONE] Phone units", "Calls Brussels", 5, "Units"),
                (datetime.date(2026, 3, 10), "[T-PHONE] Phone units", "Calls Paris", 5, "Units"),
                (
                    datetime.date(2026, 3, 20),
                    "[T-PHONE] Phone units",
                    "SMS bundle (recorded as 1.00 Pack of 6)",
                    6,
                    "Units",
                ),
                (datetime.date(2026, 3, 25), "[T-PHONE] Phone units", "CDR-0325", 5, "Units"),
                (datetime.date(2026, 3, 1), "[T-BANK] Bank charges", "", 1, "Units"),
                (datetime.date(2026, 3, 31), "[T-BANK] Bank charges", "", 3, "Units"),
            ],
        )
        # Rate and source are the line's, for every record (the engine bills a line at its highest rate).
        self.assertEqual(
            [(row[5].value, row[6].value) for row in record_rows],
            [(0.13, "Price list")] * 4 + [(2.5, "Explicit rate")] * 2,
        )
        # quantity x 0.117 rounded: 0.59, 0.59, 0.70, then the cent lost to rounding on the last row.
        self.assertEqual([row[7].value for row in record_rows], [0.59, 0.59, 0.70, 0.58, 2.5, 7.5])
        self.assertEqual(self.phone_line.price_subtotal, 2.46)

        lines = self.phone_line | self.bank_line
        self.assertEqual([row[7].value for row in subtotal_rows], lines.mapped("price_subtotal"))
        self.assertEqual(
            [(row[1].value, row[2].value, row[3].value) for row in subtotal_rows],
            [
                ("[T-PHONE] Phone units", "Subtotal: Phone units, March 2026 (4 records)", 21),
                ("[T-BANK] Bank charges", "Subtotal: Bank charges, March 2026 (2 records)", 4),
            ],
        )
        currency = self.invoice.currency_id
        for line, records in ((self.phone_line, record_rows[:4]), (self.bank_line, record_rows[4:])):
            rows_sum = sum(row[7].value for row in records)
            self.assertEqual(currency.compare_amounts(rows_sum, line.price_subtotal), 0)
        self.assertEqual(total_row[7].value, sum(lines.mapped("price_subtotal")))
        self.assertEqual(total_row[7].value, 12.46)
        self.assertEqual(self.invoice.amount_untaxed, 62.46, "the set-up fee is not consumption")

    def test_invoice_statement_layout(self):
        _filename, sheet = self.read_statement(self.invoice)
        body, total_row = self.table(sheet)
        self.assertEqual(sheet.freeze_panes, f"A{TABLE_HEADER_ROW + 1}", "header rows stay visible")
        last_body_row = TABLE_HEADER_ROW + len(body)
        self.assertEqual(sheet.auto_filter.ref, f"A{TABLE_HEADER_ROW}:H{last_body_row}")
        for row in [*body, total_row]:
            self.assertEqual(row[7].number_format, AMOUNT_FORMAT)
        for row in body:
            self.assertEqual(row[3].number_format, "#,##0.00")
            self.assertEqual(row[5].number_format, "#,##0.00")
        self.assertEqual(body[0][0].number_format, "mm/dd/yyyy")
        widths = {column: sheet.column_dimensions[column].width for column in "ABCDEFGH"}
        self.assertTrue(all(width >= 10 for width in widths.values()), widths)
        self.assertGreaterEqual(
            widths["C"], len("Subtotal: Phone units, March 2026 (4 records)"), "the longest text fits"
        )

    def test_order_statement(self):
        filename, sheet = self.read_statement(self.order)
        self.assertEqual(filename, f"Consumption statement {self.order.name}.xlsx")
        header = {sheet.cell(row, 1).value: sheet.cell(row, 2).value for row in range(2, 8)}
        self.assertEqual(header["Customer"], "Beta Bank")
        self.assertEqual(header["Quotation"], self.order.name)
        self.assertEqual(header["Period"], "02/05/2026 - 02/27/2026")
        body, total_row = self.table(sheet)
        line = self.order.order_line
        self.assertEqual(
            [(row[3].value, row[5].value, row[6].value, row[7].value) for row in body],
            [
                (10, 0.1, "Catalog price", 1.0),
                (20, 0.1, "Catalog price", 2.0),
                (30, 0.1, "Catalog price", 3.0),
                (60, 0.1, "Catalog price", 6.0),
            ],
        )
        self.assertEqual(body[-1][7].value, line.price_subtotal)
        self.assertEqual(total_row[7].value, 6.0)

    def test_quantity_changed_after_billing_shows_an_adjustment_row(self):
        self.bank_line.quantity = 5
        _filename, sheet = self.read_statement(self.invoice)
        body, total_row = self.table(sheet)
        bank_rows = [row for row in body if row[1].value == "[T-BANK] Bank charges"]
        self.assertEqual([row[3].value for row in bank_rows], [1, 3, 1, 5])
        adjustment = bank_rows[2]
        self.assertIsNone(adjustment[0].value)
        self.assertEqual(adjustment[2].value, "Adjustment: the line's quantity differs from its records")
        self.assertEqual(adjustment[7].value, 2.5)
        self.assertEqual([row[7].value for row in bank_rows[:3]], [2.5, 7.5, 2.5], "records keep theirs")
        self.assertEqual(bank_rows[3][7].value, self.bank_line.price_subtotal)
        self.assertEqual(total_row[7].value, 2.46 + 12.5)

    def test_archived_record_stays_on_the_statement(self):
        self.bank_records[0].action_archive()
        _filename, sheet = self.read_statement(self.invoice)
        body, _total_row = self.table(sheet)
        self.assertEqual(len([row for row in body if row[0].value]), 6)

    def test_customer_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.customer.lang = "fr_FR"
        _filename, sheet = self.read_statement(self.invoice)
        self.assertEqual(sheet.cell(4, 2).value, "01/03/2026 - 31/03/2026")
        self.assertEqual(sheet["B6"].number_format, "dd/mm/yyyy")
        body, _total_row = self.table(sheet)
        self.assertEqual(body[0][0].number_format, "dd/mm/yyyy")

    def test_draft_invoice_is_named_as_a_draft(self):
        filename, sheet = self.read_statement(self.invoice)
        self.assertEqual(filename, "Consumption statement Draft Invoice.xlsx")
        self.assertEqual(sheet["B5"].value, "Draft Invoice")

    def test_document_without_consumption(self):
        with self.assertRaisesRegex(UserError, "carries no consumption"):
            self.Statement._build_statement(self.invoice.copy())

    def test_has_consumption_and_button_action(self):
        other_invoice = self.invoice.copy()
        self.assertTrue(self.invoice.has_consumption)
        self.assertFalse(other_invoice.has_consumption)
        self.assertTrue(self.order.has_consumption)
        records = self.env["consumption.record"].search
        invoice_records = records([("invoice_line_id.move_id", "=", self.invoice.id)])
        order_records = records([("sale_line_id.order_id", "=", self.order.id)])
        self.assertTrue(invoice_records and order_records)
        documents = self.invoice | other_invoice
        self.assertEqual(documents.mapped("consumption_record_count"), [len(invoice_records), 0])
        self.assertEqual(self.order.consumption_record_count, len(order_records))
        self.assertEqual(records(self.invoice.action_view_consumption_records()["domain"]), invoice_records)
        self.assertEqual(records(self.order.action_view_consumption_records()["domain"]), order_records)
        self.assertEqual(
            self.invoice.action_consumption_statement()["url"],
            f"/consumption_billing/statement/account.move/{self.invoice.id}",
        )
        self.assertEqual(
            self.order.action_consumption_statement()["url"],
            f"/consumption_billing/statement/sale.order/{self.order.id}",
        )

    def test_excel_date_format(self):
        self.assertEqual(excel_date_format("%m/%d/%Y"), "mm/dd/yyyy")
        self.assertEqual(excel_date_format("%d.%m.%Y"), "dd.mm.yyyy")
        self.assertEqual(excel_date_format("%Y-%m-%d"), "yyyy-mm-dd")
        self.assertEqual(excel_date_format("%d %B %Y"), "dd mmmm yyyy")
        self.assertEqual(excel_date_format("%Y年%m月%d日"), 'yyyy"年"mm"月"dd"日"')


@tagged("post_install", "-at_install")
class TestConsumptionStatementAccess(StatementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(
            cls.env,
            "stmt_accountant",
            groups="account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def test_invoicing_user_reads_the_statement(self):
        _filename, sheet = self.read_statement(self.invoice, user=self.accountant)
        body, total_row = self.table(sheet)
        self.assertEqual(len([row for row in body if row[0].value]), 6)
        self.assertEqual(total_row[7].value, 12.46)

    def test_button_shown_to_users_with_consumption_rights_only(self):
        def form_arch(model, user):
            return self.env[model].with_user(user).get_views([(False, "form")])["views"]["form"]["arch"]

        self.assertIn("action_consumption_statement", form_arch("account.move", self.accountant))
        self.assertIn("action_consumption_statement", form_arch("sale.order", self.accountant))
        self.assertIn("action_consumption_statement", form_arch("sale.order", self.salesman))
        self.assertNotIn("action_consumption_statement", form_arch("account.move", self.auditor))

    def test_user_without_consumption_rights_is_refused(self):
        self.assertTrue(self.invoice.with_user(self.auditor).has_access("read"), "an auditor reads invoices")
        with self.assertRaises(AccessError):
            self.read_statement(self.invoice, user=self.auditor)

    def test_record_hidden_from_the_user_refuses_the_statement(self):
        """A record the user cannot read (here hidden by a record rule; one of another company can no
        longer be linked to the document) makes the statement fail instead of silently shrinking its
        totals below the invoice's."""
        hidden = self.Record.create(self.record_values(date="2026-03-15", description="Confidential"))
        self.phone_line.with_context(**self.env["consumption.billing"]._engine_context()).write(
            {"consumption_record_ids": [Command.link(hidden.id)]}
        )
        self.env["ir.rule"].create(
            {
                "name": "Accountants do not read confidential consumption",
                "model_id": self.env.ref("consumption_billing.model_consumption_record").id,
                "groups": [Command.link(self.env.ref("account.group_account_invoice").id)],
                "domain_force": "[('description', '!=', 'Confidential')]",
            }
        )
        self.assertTrue(self.invoice.with_user(self.accountant).has_access("read"))
        with self.assertRaises(AccessError):
            self.read_statement(self.invoice, user=self.accountant)

    def test_user_who_cannot_read_the_document_is_refused(self):
        """A consumption user who reads the records but has no access to invoices."""
        self.assertTrue(self.phone_records.with_user(self.consumption_user).has_access("read"))
        self.assertFalse(self.invoice.with_user(self.consumption_user).has_access("read"))
        with self.assertRaises(AccessError):
            self.read_statement(self.invoice, user=self.consumption_user)


@tagged("post_install", "-at_install")
class TestConsumptionStatementEmail(StatementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice.action_post()
        cls.filename = f"Consumption statement {cls.invoice.name.replace('/', '_')}.xlsx"
        cls.Send = cls.env["account.move.send"]

    def mail_attachment_names(self, move_data=None):
        move_data = move_data or self.Send._get_default_sending_settings(self.invoice)
        return [name for name, _content in self.Send._get_mail_params(self.invoice, move_data)["attachments"]]

    def placeholder_names(self):
        return [
            attachment["name"]
            for attachment in self.Send._get_default_mail_attachments_widget(
                self.invoice, self.Send._get_default_mail_template_id(self.invoice)
            )
        ]

    def test_setting_on_attaches_the_statement(self):
        self.company.consumption_statement_on_invoice_email = True
        self.assertIn(self.filename, self.placeholder_names(), "announced in the sending wizard")
        move_data = self.Send._get_default_sending_settings(self.invoice)
        params = self.Send._get_mail_params(self.invoice, move_data)
        statements = [content for name, content in params["attachments"] if name == self.filename]
        self.assertEqual(len(statements), 1)
        sheet = openpyxl.load_workbook(io.BytesIO(statements[0])).active
        _body, total_row = self.table(sheet)
        self.assertEqual(total_row[7].value, 12.46)

    def test_setting_off_leaves_it_out(self):
        self.assertFalse(self.company.consumption_statement_on_invoice_email)
        self.assertNotIn(self.filename, self.placeholder_names())
        self.assertNotIn(self.filename, self.mail_attachment_names())

    def test_removed_from_the_wizard_leaves_it_out(self):
        self.company.consumption_statement_on_invoice_email = True
        move_data = self.Send._get_default_sending_settings(self.invoice)
        for attachment in move_data["mail_attachments_widget"]:
            if attachment["name"] == self.filename:
                attachment["skip"] = True
        self.assertNotIn(self.filename, self.mail_attachment_names(move_data))

    def test_invoice_without_consumption_sends_no_statement(self):
        self.company.consumption_statement_on_invoice_email = True
        invoice = self.invoice.copy({"invoice_date": "2026-04-01"})
        invoice.action_post()
        self.assertFalse(self.Send._sends_consumption_statement(invoice))

    def test_sender_without_consumption_rights_sends_the_invoice_alone(self):
        self.company.consumption_statement_on_invoice_email = True
        self.assertTrue(self.Send._sends_consumption_statement(self.invoice))
        self.assertFalse(self.Send.with_user(self.auditor)._sends_consumption_statement(self.invoice))

    def test_sending_wizard_emails_the_statement(self):
        self.company.consumption_statement_on_invoice_email = True
        wizard = (
            self.env["account.move.send.wizard"]
            .with_context(
                active_model="account.move",
                active_ids=self.invoice.ids,
            )
            .create({})
        )
        self.assertIn(self.filename, [attachment["name"] for attachment in wizard.mail_attachments_widget])
        wizard.action_send_and_print()
        message = self.invoice.message_ids.filtered(lambda m: m.message_type == "comment")[:1]
        statement = message.attachment_ids.filtered(lambda a: a.name == self.filename)
        self.assertEqual(len(statement), 1)
        self.assertEqual(statement.mimetype, XLSX_MIMETYPE)


@tagged("post_install", "-at_install")
class TestConsumptionStatementDownload(HttpCase, StatementCase):
    def test_download_with_and_without_rights(self):
        self.invoice.action_post()
        accountant = new_test_user(
            self.env,
            "stmt_http_accountant",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.authenticate(accountant.login, accountant.login)
        response = self.url_open(f"/consumption_billing/statement/account.move/{self.invoice.id}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], XLSX_MIMETYPE)
        self.assertIn("Consumption%20statement", response.headers["Content-Disposition"])
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        self.assertEqual(sheet.cell(5, 2).value, self.invoice.name)

        # Unreadable or missing: the same answer, so that ids cannot be probed.
        self.authenticate(self.auditor.login, self.auditor.login)
        response = self.url_open(f"/consumption_billing/statement/account.move/{self.invoice.id}")
        self.assertEqual(response.status_code, 404)
        response = self.url_open(f"/consumption_billing/statement/res.partner/{self.customer.id}")
        self.assertEqual(response.status_code, 404)
        user_b = new_test_user(
            self.env,
            "stmt_http_accountant_b",
            groups="account.group_account_invoice",
            company_id=self.other_company.id,
            company_ids=[Command.set(self.other_company.ids)],
        )
        self.authenticate(user_b.login, user_b.login)
        unreadable = self.url_open(f"/consumption_billing/statement/account.move/{self.invoice.id}")
        missing_id = self.env["account.move"].search([], order="id desc", limit=1).id + 1000
        missing = self.url_open(f"/consumption_billing/statement/account.move/{missing_id}")
        self.assertEqual((unreadable.status_code, missing.status_code), (404, 404))
        self.assertEqual(unreadable.text, missing.text)

    def test_button_on_the_invoice_form_in_the_browser(self):
        other_invoice = self.invoice.copy()
        check_button = """
            const deadline = Date.now() + 30000;
            (function check() {
                const form = document.querySelector('.o_form_view .o_form_statusbar');
                if (form) {
                    const buttons = document.querySelectorAll('button[name="action_consumption_statement"]');
                    if (buttons.length === EXPECTED) {
                        console.log('test successful');
                    } else {
                        console.error('expected EXPECTED statement button(s), found ' + buttons.length);
                    }
                } else if (Date.now() > deadline) {
                    console.error('the invoice form did not render');
                } else {
                    setTimeout(check, 200);
                }
            })();
        """
        for invoice, expected in ((self.invoice, "1"), (other_invoice, "0")):
            self.browser_js(
                f"/odoo/action-account.action_move_out_invoice_type/{invoice.id}",
                check_button.replace("EXPECTED", expected),
                login="admin",
                timeout=120,
            )


@tagged("post_install", "-at_install")
class TestConsumptionStatementOfBilledConsumption(ConsumptionCase):
    """Statements of documents filled by the billing engine itself: the invoice wizard, and the order
    wizard followed by Odoo's standard confirmation and invoicing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        tax = cls.env["account.tax"].create(
            {"name": "Statement VAT 21%", "amount": 21, "type_tax_use": "sale"}
        )
        (cls.phone | cls.bank | cls.power).taxes_id = tax
        # Phone: 7 + 6 (a pack) + 3 units, all at the highest rate, the own 0.14 (> catalog 0.10): 2.24.
        # Power: 3 x 1.35 kWh at 0.25 rounds to 0.34 a row (1.02) while the line's 4.05 kWh make 1.01.
        # Bank: 3 units at the catalog 2.00.
        cls.march = cls.Record.create(
            [
                cls.record_values(date="2026-03-02", quantity=7, description="Mobiles"),
                cls.record_values(date="2026-03-09", quantity=1, uom_id=cls.pack.id),
                cls.record_values(date="2026-03-20", quantity=3, rate=0.14, partner_id=cls.contact.id),
                *(
                    cls.record_values(product_id=cls.power.id, date=day, quantity=1.35, uom_id=cls.kwh.id)
                    for day in ("2026-03-05", "2026-03-12", "2026-03-19")
                ),
                cls.record_values(product_id=cls.bank.id, date="2026-03-15", quantity=3),
            ]
        )
        cls.april = cls.Record.create(cls.record_values(date="2026-04-02", quantity=999))

    def statement(self, document):
        """{product: (record rows, subtotal row)} and the total row, read back with openpyxl."""
        _filename, content = self.env["consumption.statement"]._build_statement(document)
        body, total_row = StatementCase.table(openpyxl.load_workbook(io.BytesIO(content)).active)
        sections, rows = {}, []
        for row in body:
            if str(row[2].value or "").startswith("Subtotal: "):
                sections[row[1].value] = (rows, row)
                rows = []
            else:
                rows.append(row)
        return sections, total_row

    def assert_statement_matches(self, document, lines):
        """Each line's rows add up to its untaxed amount, shown as its subtotal; the total is the sum."""
        sections, total_row = self.statement(document)
        self.assertEqual(sorted(sections), sorted(lines.product_id.mapped("display_name")))
        currency = document.currency_id
        for line in lines:
            rows, subtotal_row = sections[line.product_id.display_name]
            self.assertEqual(subtotal_row[7].value, line.price_subtotal)
            rows_sum = sum(row[7].value for row in rows)
            self.assertEqual(currency.compare_amounts(rows_sum, line.price_subtotal), 0)
            self.assertEqual(len(rows), len(line.consumption_record_ids), "one row per record, no adjustment")
        self.assertEqual(total_row[7].value, document.amount_untaxed)
        self.assertTrue(document.amount_tax, "the total is untaxed: the taxes are not consumption")
        return sections

    def assert_rows(self, sections):
        phone_rows, phone_subtotal = sections["[T-PHONE] Phone units"]
        self.assertEqual(
            [(row[3].value, row[5].value, row[6].value, row[7].value) for row in phone_rows],
            [
                (7, 0.14, "Explicit rate", 0.98),
                (6, 0.14, "Explicit rate", 0.84),
                (3, 0.14, "Explicit rate", 0.42),
            ],
        )
        self.assertEqual(phone_rows[1][2].value, "recorded as 1.00 Pack of 6")
        self.assertEqual((phone_subtotal[3].value, phone_subtotal[7].value), (16, 2.24))
        power_rows, power_subtotal = sections["[T-KWH] Power"]
        self.assertEqual([row[7].value for row in power_rows], [0.34, 0.34, 0.33], "rounding on the last row")
        self.assertEqual(power_subtotal[7].value, 1.01)
        bank_rows, _bank_subtotal = sections["[T-BANK] Bank charges"]
        self.assertEqual([(row[6].value, row[7].value) for row in bank_rows], [("Catalog price", 6.0)])

    def test_invoice_billed_by_the_invoice_wizard(self):
        invoice = self.env["account.move"].create(
            {"move_type": "out_invoice", "partner_id": self.customer.id, "invoice_date": "2026-04-05"}
        )
        wizard = self.env["consumption.invoice.wizard"].create({"move_id": invoice.id})
        self.assertEqual(wizard.period, "previous_month")
        wizard.action_apply()
        invoice.action_post()
        self.assertEqual(self.march.invoice_id, invoice)
        self.assertFalse(self.april.invoice_line_id)
        self.assertTrue(invoice.has_consumption)
        self.assertEqual(len(invoice.invoice_line_ids), 3)
        sections = self.assert_statement_matches(invoice, invoice.invoice_line_ids)
        self.assert_rows(sections)
        self.assertEqual(invoice.amount_untaxed, 9.25)

    def test_order_billed_by_the_order_wizard_then_invoiced_by_odoo(self):
        wizard = self.env["consumption.order.wizard"].create(
            {
                "partner_ids": [Command.set(self.customer.ids)],
                "date_from": "2026-03-01",
                "date_to": "2026-03-31",
            }
        )
        order = self.env["sale.order"].browse(wizard.action_create_orders()["params"]["next"]["res_id"])
        self.assertEqual(self.march.sale_line_id.order_id, order)
        self.assertTrue(order.has_consumption)
        order_sections = self.assert_statement_matches(order, order.order_line)
        self.assert_rows(order_sections)

        order.action_confirm()
        invoice = order._create_invoices()
        invoice.action_post()
        self.assertEqual(self.march.invoice_id, invoice)
        invoice_sections = self.assert_statement_matches(invoice, invoice.invoice_line_ids)
        self.assert_rows(invoice_sections)
        self.assertEqual(invoice.amount_untaxed, order.amount_untaxed)
        self.assertEqual(invoice.amount_untaxed, 9.25)
