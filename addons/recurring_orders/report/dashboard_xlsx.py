"""The dashboard as an Excel report an accountant can send as is (xlsxwriter).

Sheets: every order with every column and its problems as text; one sheet per problem type; recurring revenue
per month. The rows come from SQL over the dashboard's own query (names joined in SQL), and the revenue from
one grouped query: no ORM read per row.

The order of the rows is computed first, for every row (it reads the orders only); their columns are then
read by id, a chunk of rows at a time, and the revenue per month at the same time: on other connections in
the snapshot of the request when it can be shared (``tools.snapshot_reader``), so that PostgreSQL computes
the next chunk while this process writes the previous one.

Memory stays bounded whatever the number of orders: a few chunks of rows at a time, and xlsxwriter keeps no
more than the current row of each sheet (its constant memory mode writes the others to temporary files); the
file itself is written to disk.
"""

import io
import json
from collections import namedtuple
from urllib.parse import urlencode

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from odoo import api, fields, models
from odoo.addons.consumption_billing.report.consumption_statement import excel_date_format
from odoo.tools import SQL, split_every

from ..tools.snapshot_reader import SnapshotReader
from .recurring_dashboard import PLANNER_SETTINGS, PROBLEMS

# A column of a sheet: the key of its value in a row, its header, its kind (picks the cell format), its width.
Column = namedtuple("Column", "key header kind width")

EXPORT_ROUTE = "/recurring_orders/dashboard/xlsx"
# Rows read from PostgreSQL at a time.
EXPORT_CHUNK_SIZE = 2000
# Planner settings of the connections that read while the workbook is written: the dashboard's, without
# parallel workers (the cores they would take are the ones the writing needs: 15.2 -> 14.6 s at 100,000
# orders on 2 cores).
BACKGROUND_READ_SETTINGS = f"{PLANNER_SETTINGS}; SET LOCAL max_parallel_workers_per_gather = 0"
# The style of every cell, the default of the workbook.
CELL_STYLE = {"valign": "top", "font_size": 10}
# The write method of each kind of column with a format of its own (the others are text).
CELL_WRITERS = {
    "date": "write_datetime",
    "datetime": "write_datetime",
    "month": "write_datetime",
    "money": "write_number",
    "int": "write_number",
}
# Excel refuses these characters in sheet names, and names longer than 31 characters.
SHEET_NAME_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


class RecurringDashboardXlsx(models.AbstractModel):
    _name = "recurring.dashboard.xlsx"
    _description = "Recurring Invoicing Dashboard Excel Export"

    @api.model
    def _download_url(self, domain):
        return f"{EXPORT_ROUTE}?{urlencode({'domain': json.dumps(list(domain))})}"

    @api.model
    def _filename(self):
        return self.env._(
            "Recurring invoicing %(date)s.xlsx", date=fields.Date.context_today(self).isoformat()
        )

    # ------------------------------------------------------------------
    # Columns
    # ------------------------------------------------------------------

    @api.model
    def _order_columns(self):
        """The columns of the orders sheet."""
        return [
            Column("name", self.env._("Order"), "text", 14),
            Column("partner_name", self.env._("Customer"), "text", 28),
            Column("invoice_partner_name", self.env._("Invoiced Partner"), "text", 28),
            Column("user_name", self.env._("Salesperson"), "text", 18),
            Column("company_name", self.env._("Company"), "text", 18),
            Column("frequency", self.env._("Frequency"), "text", 12),
            Column("invoice_state", self.env._("Generated Invoices"), "text", 14),
            Column("date_start", self.env._("First Generation"), "date", 12),
            Column("date_end", self.env._("Last Generation"), "date", 12),
            Column("next_date", self.env._("Next Generation"), "date", 12),
            Column("next_document_date", self.env._("Next Invoice Date"), "date", 12),
            Column("currency_name", self.env._("Currency"), "text", 9),
            Column("amount_untaxed", self.env._("Recurring Untaxed"), "money", 14),
            Column("amount_total", self.env._("Recurring Total"), "money", 14),
            Column(
                "monthly_recurring_revenue",
                self.env._("Monthly Recurring Revenue (company currency)"),
                "money",
                16,
            ),
            Column("current_period_invoice_count", self.env._("Invoices This Period"), "int", 10),
            Column("invoice_count", self.env._("Generated Invoices Count"), "int", 10),
            Column("last_invoice_name", self.env._("Last Invoice"), "text", 18),
            Column("last_invoice_amount", self.env._("Last Invoice Subscription"), "money", 14),
            Column("missing_count", self.env._("Missing Invoices"), "int", 10),
            Column("duplicate_period_count", self.env._("Duplicated Periods"), "int", 10),
            Column("problem_count", self.env._("Problems"), "int", 9),
            Column("problems_text", self.env._("Problem Details"), "problem", 80),
        ]

    @api.model
    def _problem_columns(self, problem):
        """Columns of the sheet of one problem type: who, then what is specific, then the details."""
        specific = {
            "missing": [Column("missing_count", self.env._("Missing Invoices"), "int", 10)],
            "duplicate": [Column("duplicate_period_count", self.env._("Duplicated Periods"), "int", 10)],
            "amount": [
                Column("last_invoice_name", self.env._("Last Invoice"), "text", 18),
                Column("last_invoice_amount", self.env._("Last Invoice Subscription"), "money", 14),
                Column("amount_difference", self.env._("Difference"), "money", 14),
            ],
            "failed": [Column("generation_error_date", self.env._("Failed On"), "datetime", 17)],
        }
        return [
            Column("name", self.env._("Order"), "text", 14),
            Column("partner_name", self.env._("Customer"), "text", 28),
            Column("invoice_partner_name", self.env._("Invoiced Partner"), "text", 28),
            Column("company_name", self.env._("Company"), "text", 18),
            Column("frequency", self.env._("Frequency"), "text", 12),
            Column("next_date", self.env._("Next Generation"), "date", 12),
            Column("currency_name", self.env._("Currency"), "text", 9),
            Column("amount_untaxed", self.env._("Recurring Untaxed"), "money", 14),
            *specific.get(problem, []),
            Column("details", self.env._("Details"), "problem", 90),
        ]

    @api.model
    def _sheet_names(self):
        return {
            "orders": self.env._("Orders"),
            "missing": self.env._("Missing invoices"),
            "duplicate": self.env._("Duplicate invoices"),
            "amount": self.env._("Amount discrepancies"),
            "email": self.env._("Missing emails"),
            "inconsistency": self.env._("Inconsistencies"),
            "failed": self.env._("Failed generations"),
            "consumption": self.env._("No consumption"),
            "revenue": self.env._("Revenue per month"),
        }

    # ------------------------------------------------------------------
    # Data
    # ------------------------------------------------------------------

    @api.model
    def _rows_query(self, ids):
        """SQL of the dashboard rows ``ids``, in the dashboard's order, with the names to print.

        ``ids`` must come from a search as the user (``_rows_queries``): the access rules, checked there, are
        not evaluated again for each chunk of rows.
        """
        dashboard = self.env["recurring.dashboard"]
        query = dashboard._search([("id", "in", ids)], order=dashboard._order, bypass_access=True)
        table = dashboard._table

        def name_of(column, comodel_table, name_column="name", lhs=table):
            alias = query.left_join(lhs, column, comodel_table, "id", column)
            return SQL.identifier(alias, name_column)

        user_partner = query.left_join(
            query.left_join(table, "user_id", "res_users", "id", "user_id"),
            "partner_id",
            "res_partner",
            "id",
            "partner",
        )
        product = query.left_join(table, "product_without_account_id", "product_product", "id", "product")
        template = query.left_join(product, "product_tmpl_id", "product_template", "id", "template")
        return query.select(
            SQL("%s.*", SQL.identifier(table)),
            SQL("%s AS partner_name", name_of("partner_id", "res_partner", "complete_name")),
            SQL("%s AS invoice_partner_name", name_of("invoice_partner_id", "res_partner", "complete_name")),
            SQL("%s AS user_name", SQL.identifier(user_partner, "name")),
            SQL("%s AS company_name", name_of("company_id", "res_company")),
            SQL("%s AS customer_company_name", name_of("customer_company_id", "res_company")),
            SQL("%s AS currency_name", name_of("currency_id", "res_currency")),
            # looked up per row: a join would hash every invoice of the database
            SQL(
                "(SELECT move.name FROM account_move move WHERE move.id = %s) AS last_invoice_name",
                SQL.identifier(table, "last_invoice_id"),
            ),
            SQL(
                "COALESCE('[' || %s || '] ', '') || COALESCE(%s ->> %s, %s ->> 'en_US') AS product_name",
                SQL.identifier(product, "default_code"),
                SQL.identifier(template, "name"),
                self.env.lang or "en_US",
                SQL.identifier(template, "name"),
            ),
        )

    @api.model
    def _rows_queries(self, domain, size=None):
        """The SQL of the rows matching ``domain``, ``size`` rows per query (``EXPORT_CHUNK_SIZE`` by
        default), in the dashboard's order.

        The order is computed once, for every row: it reads the orders only. Each query then computes the
        columns of its rows, looked up by id (the invoices per period of these orders only).
        """
        dashboard = self.env["recurring.dashboard"]
        query = dashboard._search(domain, order=dashboard._order)
        ids = [row[0] for row in self.env.execute_query(query.select(SQL.identifier(dashboard._table, "id")))]
        return [self._rows_query(chunk) for chunk in split_every(size or EXPORT_CHUNK_SIZE, ids, list)]

    @api.model
    def _revenue_per_month_query(self, domain):
        """SQL of the recurring revenue per month (and company currency) of the orders matching ``domain``."""
        dashboard = self.env["recurring.dashboard"]
        orders = dashboard._search(domain).subselect(SQL.identifier(dashboard._table, "order_id"))
        frequencies = [value for value, _label in dashboard._selection_frequency()]
        return SQL(
            """
            SELECT revenue.month, currency.name AS currency_name, %(per_frequency)s,
                   SUM(revenue.monthly_amount) AS monthly_amount,
                   SUM(revenue.invoiced_amount) AS invoiced_amount,
                   SUM(revenue.consumption_amount) AS consumption_amount
              FROM (%(revenue)s) revenue
              JOIN res_currency currency ON currency.id = revenue.company_currency_id
             WHERE revenue.order_id IN %(orders)s
             GROUP BY revenue.month, currency.name
             ORDER BY revenue.month, currency.name
            """,
            per_frequency=SQL(", ").join(
                SQL(
                    "COALESCE(SUM(revenue.monthly_amount) FILTER (WHERE revenue.frequency = %s), 0) AS %s",
                    frequency,
                    SQL.identifier(f"mrr_{frequency}"),
                )
                for frequency in frequencies
            ),
            revenue=self.env["recurring.revenue.report"]._revenue_query(),
            orders=orders,
        ), frequencies

    # ------------------------------------------------------------------
    # Workbook
    # ------------------------------------------------------------------

    @api.model
    def _formats(self, workbook):
        """The cell formats of the sheets; each starts from ``CELL_STYLE``, the workbook's default."""
        date_format = excel_date_format(
            self.env["res.lang"]._get_data(code=self.env.lang or "en_US").date_format or "%Y-%m-%d"
        )
        return {
            "header": workbook.add_format(
                {
                    "bold": True,
                    "text_wrap": True,
                    "font_color": "#FFFFFF",
                    "bg_color": "#714B67",
                    "border": 1,
                    "valign": "vcenter",
                }
            ),
            # the default style: text and whole numbers carry no format of their own (fewer bytes per cell)
            "text": None,
            "int": None,
            "date": workbook.add_format({"num_format": date_format}),
            "datetime": workbook.add_format({"num_format": f"{date_format} hh:mm"}),
            "month": workbook.add_format({"num_format": "mmmm yyyy"}),
            "money": workbook.add_format({"num_format": "#,##0.00"}),
            "total_label": workbook.add_format({"bold": True, "top": 1}),
            "total_money": workbook.add_format({"bold": True, "top": 1, "num_format": "#,##0.00"}),
            "total_int": workbook.add_format({"bold": True, "top": 1, "num_format": "0"}),
            "problem": workbook.add_format({"text_wrap": True, "font_color": "#9C0006"}),
        }

    @api.model
    def _add_sheet(self, workbook, formats, name, columns):
        sheet = workbook.add_worksheet(name.translate(SHEET_NAME_FORBIDDEN)[:31])
        for index, (_key, header, _kind, width) in enumerate(columns):
            sheet.write_string(0, index, header, formats["header"])
            sheet.set_column(index, index, width)
        sheet.set_row(0, 30)
        sheet.freeze_panes(1, 1)
        return sheet

    @api.model
    def _cell_writers(self, sheet, formats, columns):
        """``(column index, value key, write method, format)`` of each column of ``sheet``: the method and
        format are chosen once per sheet, not once per cell (an export writes millions of cells)."""

        def write_text(row, col, value, cell_format):
            return sheet.write_string(row, col, value if isinstance(value, str) else str(value), cell_format)

        return [
            (
                index,
                key,
                getattr(sheet, CELL_WRITERS[kind]) if kind in CELL_WRITERS else write_text,
                formats[kind],
            )
            for index, (key, _header, kind, _width) in enumerate(columns)
        ]

    @api.model
    def _write_cells(self, writers, row_index, values):
        """Write the cells of one row (``writers`` from ``_cell_writers``); an empty value leaves its cell
        empty."""
        for index, key, write, cell_format in writers:
            value = values.get(key)
            if value is None or value is False or value == "":
                continue
            write(row_index, index, value, cell_format)

    @api.model
    def _write_totals(self, sheet, formats, row_count, columns, totals):
        """A total row under the data, as SUBTOTAL formulas (they follow the autofilter) with their values."""
        total_row = row_count + 1
        sheet.write_string(total_row, 0, self.env._("Total"), formats["total_label"])
        for index, (key, _header, kind, _width) in enumerate(columns):
            if key not in totals:
                continue
            column = xl_col_to_name(index)
            sheet.write_formula(
                total_row,
                index,
                f"=SUBTOTAL(9,{column}2:{column}{row_count + 1})",
                formats[f"total_{kind}"],
                totals[key],
            )

    @api.model
    def _generate(self, domain):
        """The Excel file (bytes) of the dashboard rows matching ``domain``: for small exports and tests; the
        download writes a file with ``_write_workbook``."""
        output = io.BytesIO()
        self._write_workbook(domain, output)
        return output.getvalue()

    @api.model
    def _write_workbook(self, domain, output):
        """Write the Excel file of the dashboard rows matching ``domain`` to ``output`` (a binary file)."""
        self.env.flush_all()
        dashboard = self.env["recurring.dashboard"]
        rows_queries = self._rows_queries(domain)
        revenue_query, frequencies = self._revenue_per_month_query(domain)
        workbook = xlsxwriter.Workbook(
            output,
            {"constant_memory": True, "remove_timezone": True, "default_format_properties": CELL_STYLE},
        )
        formats = self._formats(workbook)
        names = self._sheet_names()
        labels = {
            field_name: dict(dashboard._fields[field_name]._description_selection(self.env))
            for field_name in ("frequency", "invoice_state")
        }

        # Every sheet is added first: the rows of each go to it as they come.
        order_columns = self._order_columns()
        orders_sheet = self._add_sheet(workbook, formats, names["orders"], order_columns)
        order_writers = self._cell_writers(orders_sheet, formats, order_columns)
        problem_sheets = {}
        for key, _field in PROBLEMS:
            columns = self._problem_columns(key)
            sheet = self._add_sheet(workbook, formats, names[key], columns)
            problem_sheets[key] = (sheet, columns, self._cell_writers(sheet, formats, columns))
        problem_row_counts = dict.fromkeys(problem_sheets, 0)
        summed = (
            "monthly_recurring_revenue",
            "current_period_invoice_count",
            "invoice_count",
            "missing_count",
            "duplicate_period_count",
            "problem_count",
            "amount_untaxed",
            "amount_total",
        )
        totals = dict.fromkeys(summed, 0)
        currencies = {}
        row_count = 0
        with SnapshotReader(self.env.cr, prepare=BACKGROUND_READ_SETTINGS) as reader:
            revenue_rows = reader.fetch_all(revenue_query)
            for rows in reader.fetch_each(rows_queries):
                missing_currencies = {row["currency_id"] for row in rows} - set(currencies)
                currencies.update(
                    (currency.id, currency)
                    for currency in self.env["res.currency"].browse(missing_currencies)
                )
                for values in rows:
                    self._prepare_row(values, currencies, labels)
                    descriptions = dashboard._describe_problems(values)
                    values["problems_text"] = "\n".join(text for _key, text in descriptions)
                    row_count += 1
                    self._write_cells(order_writers, row_count, values)
                    for key, text in descriptions:
                        problem_row_counts[key] += 1
                        self._write_cells(
                            problem_sheets[key][2], problem_row_counts[key], {**values, "details": text}
                        )
                    for key in summed:
                        totals[key] += values[key] or 0
            if len(currencies) > 1:
                # Amounts in several currencies do not add up: the company-currency revenue and the counts do.
                del totals["amount_untaxed"], totals["amount_total"]
            orders_sheet.autofilter(0, 0, max(row_count, 1), len(order_columns) - 1)
            self._write_totals(orders_sheet, formats, row_count, order_columns, totals)
            for key, (sheet, columns, _writers) in problem_sheets.items():
                sheet.autofilter(0, 0, max(problem_row_counts[key], 1), len(columns) - 1)

            self._write_revenue_sheet(workbook, formats, names["revenue"], revenue_rows(), frequencies)
        workbook.close()

    @api.model
    def _prepare_row(self, values, currencies, labels):
        """Turn one SQL row into the values the sheets and ``_describe_problems`` read."""
        values["currency"] = currencies[values["currency_id"]]
        values["frequency"] = labels["frequency"].get(values["frequency"], values["frequency"])
        values["invoice_state"] = labels["invoice_state"].get(
            values["invoice_state"], values["invoice_state"]
        )
        values["last_invoice_id"] = values["last_invoice_name"] or ""
        values["invoice_partner_id"] = values["invoice_partner_name"] or ""
        values["company_id"] = values["company_name"] or ""
        values["customer_company_id"] = values["customer_company_name"] or ""
        values["product_without_account_id"] = values["product_name"] or ""
        for key in ("amount_untaxed", "amount_total", "monthly_recurring_revenue", "last_invoice_amount"):
            if values[key] is not None:
                values[key] = float(values[key])
        if values["last_invoice_amount"] is not None:
            values["amount_difference"] = values["last_invoice_amount"] - values["amount_untaxed"]

    @api.model
    def _write_revenue_sheet(self, workbook, formats, name, rows, frequencies):
        """The revenue per month sheet, from the rows of ``_revenue_per_month_query``."""
        frequency_labels = dict(self.env["recurring.dashboard"]._selection_frequency())
        columns = [
            Column("month", self.env._("Month"), "month", 16),
            Column("currency_name", self.env._("Currency"), "text", 9),
            *(
                Column(f"mrr_{frequency}", frequency_labels[frequency], "money", 13)
                for frequency in frequencies
            ),
            Column("monthly_amount", self.env._("Monthly Recurring Revenue"), "money", 16),
            Column("invoiced_amount", self.env._("Invoiced Subscription"), "money", 16),
            Column("consumption_amount", self.env._("Invoiced Consumption"), "money", 16),
        ]
        sheet = self._add_sheet(workbook, formats, name, columns)
        writers = self._cell_writers(sheet, formats, columns)
        amount_keys = [key for key, _header, kind, _width in columns if kind == "money"]
        totals = dict.fromkeys(amount_keys, 0.0)
        row_count = 0
        currencies = set()
        for values in rows:
            row_count += 1
            currencies.add(values["currency_name"])
            for key in amount_keys:
                values[key] = float(values[key] or 0)
                totals[key] += values[key]
            self._write_cells(writers, row_count, values)
        sheet.autofilter(0, 0, max(row_count, 1), len(columns) - 1)
        if len(currencies) <= 1:
            self._write_totals(sheet, formats, row_count, columns, totals)
