import io

import xlsxwriter

from odoo import api, models
from odoo.tools import get_lang

from .consumption_statement import excel_date_format, excel_number_format

LIST_COLUMN_WIDTHS = (12, 28, 30, 36, 12, 10, 12, 22)


class ConsumptionListXlsx(models.AbstractModel):
    """A list of consumption records as a workbook: one row per record, then the quantity totals per
    product. The rows are given ready to write, so the caller decides (with its own rights) what is in it."""

    _name = "consumption.list.xlsx"
    _description = "Consumption List (XLSX)"

    @api.model
    def _render_xlsx(self, rows, totals):
        """``rows``: dicts with date, customer, product, description, quantity, uom, status, invoice;
        ``totals``: dicts with product, quantity, uom."""
        env = self.env
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        sheet = workbook.add_worksheet(env._("Consumption"))
        quantity_format = excel_number_format(env["decimal.precision"].precision_get("Product Unit"))
        header_style = {"bold": True, "bg_color": "#D9E1F2", "bottom": 1}
        header = workbook.add_format(header_style)
        header_number = workbook.add_format({**header_style, "align": "right"})
        date_style = workbook.add_format({"num_format": excel_date_format(get_lang(env).date_format)})
        quantity_style = workbook.add_format({"num_format": quantity_format})
        total_text = workbook.add_format({"bold": True, "top": 1})
        total_quantity = workbook.add_format({"bold": True, "top": 1, "num_format": quantity_format})
        columns = (
            env._("Date"),
            env._("Customer"),
            env._("Product"),
            env._("Description"),
            env._("Quantity"),
            env._("Unit"),
            env._("Status"),
            env._("Invoice"),
        )
        for col, title in enumerate(columns):
            sheet.write_string(0, col, title, header_number if col == 4 else header)
            sheet.set_column(col, col, LIST_COLUMN_WIDTHS[col])
        row = 0
        for line in rows:
            row += 1
            sheet.write_datetime(row, 0, line["date"], date_style)
            sheet.write_string(row, 1, line["customer"])
            sheet.write_string(row, 2, line["product"])
            sheet.write_string(row, 3, line["description"])
            sheet.write_number(row, 4, line["quantity"], quantity_style)
            sheet.write_string(row, 5, line["uom"])
            sheet.write_string(row, 6, line["status"])
            sheet.write_string(row, 7, line["invoice"])
        if row:
            sheet.autofilter(0, 0, row, len(columns) - 1)
        sheet.freeze_panes(1, 0)
        row += 2
        for total in totals:
            sheet.write_string(row, 2, total["product"], total_text)
            sheet.write_string(row, 3, env._("Total"), total_text)
            sheet.write_number(row, 4, total["quantity"], total_quantity)
            sheet.write_string(row, 5, total["uom"], total_text)
            row += 1
        workbook.close()
        return output.getvalue()
