import io
import re

import xlsxwriter

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, format_date, formatLang, get_lang

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Where the consumption of a document hangs: the record field pointing at the document line, and the path
# from that line to the document.
DOCUMENT_LINKS = {
    "account.move": ("invoice_line_id", "move_id"),
    "sale.order": ("sale_line_id", "order_id"),
}

# strftime directives of res.lang.date_format and their Excel number-format equivalents.
EXCEL_DATE_CODES = {
    "%d": "dd",
    "%-d": "d",
    "%e": "d",
    "%m": "mm",
    "%-m": "m",
    "%Y": "yyyy",
    "%y": "yy",
    "%b": "mmm",
    "%B": "mmmm",
    "%a": "ddd",
    "%A": "dddd",
}
EXCEL_DATE_SEPARATORS = set("/-., ")

COLUMN_MIN_WIDTH = 10
COLUMN_MAX_WIDTH = 60
HEADER_ROWS = 8  # title, company, customer, period, document, date, currency, blank line


def excel_date_format(strftime_format):
    """The Excel number format showing a date like the language's strftime pattern ('%d/%m/%Y' ->
    'dd/mm/yyyy'), so the customer reads dates the way they are used to while the cells stay real dates."""
    parts = []
    for token in re.findall(r"%-?[a-zA-Z]|[^%]+|%", strftime_format):
        if token.startswith("%") and len(token) > 1:
            parts.append(EXCEL_DATE_CODES.get(token, ""))
        elif set(token) <= EXCEL_DATE_SEPARATORS:
            parts.append(token)
        else:
            parts.append('"{}"'.format(token.replace('"', "")))
    return "".join(parts) or "yyyy-mm-dd"


def excel_number_format(digits):
    return "#,##0" + ("." + "0" * digits if digits > 0 else "")


class ConsumptionStatement(models.AbstractModel):
    """The consumption statement of an invoice or a sale order: every consumption record billed on the
    document, priced like the line it was billed on, so that the customer can check each line."""

    _name = "consumption.statement"
    _description = "Consumption Statement"

    @api.model
    def _consumption_records(self, document):
        """The consumption records billed on the document, archived ones included (they were billed all
        the same), of the document's company (the only ones billing may link to it). Readable by the
        current user or AccessError: ids are looked up without record rules only so that a record hidden
        from the user makes the statement fail instead of silently dropping out of its totals; nothing is
        read through that lookup."""
        document.ensure_one()
        document.check_access("read")
        record_field, parent_field = DOCUMENT_LINKS[document._name]
        Record = self.env["consumption.record"].with_context(active_test=False)
        record_ids = (
            Record.sudo()
            .search(
                [
                    (f"{record_field}.{parent_field}", "=", document.id),
                    ("company_id", "=", document.company_id.id),
                ]
            )
            .ids
        )
        records = Record.browse(record_ids)
        records.check_access("read")
        return records

    @api.model
    def _has_consumption(self, documents):
        """Ids of the documents (of one model) that carry consumption the current user can read."""
        if not documents:
            return set()
        record_field, parent_field = DOCUMENT_LINKS[documents._name]
        groups = (
            self.env["consumption.record"]
            .with_context(active_test=False)
            ._read_group(
                [(f"{record_field}.{parent_field}", "in", documents.ids)],
                [f"{record_field}.{parent_field}"],
            )
        )
        return {document.id for (document,) in groups}

    @api.model
    def _statement_lang(self, document):
        return get_lang(self.env, document.partner_id.lang).code

    @api.model
    def _statement_filename(self, document):
        """'Consumption statement INV_2026_00012.xlsx', in the customer's language."""
        env = self.with_context(lang=self._statement_lang(document)).env
        reference = re.sub(r"[^\w\-. ]+", "_", self._document_reference(document))
        return env._("Consumption statement %(document)s.xlsx", document=reference)

    @api.model
    def _document_reference(self, document):
        return document.name if document.name and document.name != "/" else document.display_name

    @api.model
    def _document_date(self, document):
        if document._name == "account.move":
            return document.invoice_date or document.date
        return fields.Datetime.context_timestamp(document, document.date_order).date()

    @api.model
    def _line_quantity(self, line):
        return line.quantity if line._name == "account.move.line" else line.product_uom_qty

    @api.model
    def _statement_data(self, document):
        """What the statement says, before any layout: the header, then one section per document line
        carrying consumption (in the document's line order) with one row per record and the line's
        subtotal.

        A row is priced like its line (the engine bills a whole line at one rate): the record's quantity
        converted into the line's unit x the line's unit price less its discount, rounded to the currency.
        The line subtotal is the line's own `price_subtotal` (before tax); what rounding each row loses
        (a cent or so) goes on the line's last row, so rows always add up to the subtotal. If someone
        changed the line's quantity after billing, an adjustment row shows the difference instead of
        hiding it in a record.
        """
        records = self._consumption_records(document)
        if not records:
            raise UserError(
                self.env._(
                    "%(document)s carries no consumption: there is no consumption statement to produce.",
                    document=document.display_name,
                )
            )
        lang = self._statement_lang(document)
        env = self.with_context(lang=lang).env
        document = document.with_env(env)
        records = records.with_env(env)
        record_field = DOCUMENT_LINKS[document._name][0]
        currency = document.currency_id
        quantity_digits = env["decimal.precision"].precision_get("Product Unit")
        source_labels = dict(env["account.move.line"]._fields["price_source"]._description_selection(env))
        records_by_line = records.grouped(record_field)
        lines = records.mapped(record_field).sorted(lambda line: (line.sequence, line.id))
        sections = []
        for line in lines:
            line_records = records_by_line[line].sorted(lambda record: (record.date, record.id))
            line_uom = line.product_uom_id
            net_price = line.price_unit * (1.0 - (line.discount or 0.0) / 100.0)
            common = {
                "product": line.product_id.display_name,
                "uom": line_uom.name,
                "rate": line.price_unit,
                "source": source_labels.get(line.price_source, ""),
            }
            rows = []
            for record in line_records:
                quantity = record.uom_id._compute_quantity(record.quantity, line_uom, round=False)
                description = record.description or record.external_ref or ""
                if record.uom_id != line_uom:
                    recorded = env._(
                        "recorded as %(quantity)s %(unit)s",
                        quantity=formatLang(env, record.quantity, digits=quantity_digits),
                        unit=record.uom_id.name,
                    )
                    description = f"{description} ({recorded})" if description else recorded
                rows.append(
                    {
                        **common,
                        "date": record.date,
                        "description": description,
                        "quantity": quantity,
                        "amount": currency.round(quantity * net_price),
                    }
                )
            line_quantity = self._line_quantity(line)
            billed_quantity = sum(row["quantity"] for row in rows)
            residual = currency.round(line.price_subtotal - sum(row["amount"] for row in rows))
            if float_compare(billed_quantity, line_quantity, precision_digits=quantity_digits):
                rows.append(
                    {
                        **common,
                        "date": False,
                        "description": env._("Adjustment: the line's quantity differs from its records"),
                        "quantity": line_quantity - billed_quantity,
                        "amount": residual,
                    }
                )
            elif residual:
                rows[-1]["amount"] = currency.round(rows[-1]["amount"] + residual)
            sections.append(
                {
                    **common,
                    "name": " ".join((line.name or common["product"]).split()),
                    "quantity": line_quantity,
                    "subtotal": line.price_subtotal,
                    "rows": rows,
                }
            )
        return {
            "lang": lang,
            "company": document.company_id.name,
            "customer": document.partner_id.display_name,
            "date_from": min(records.mapped("date")),
            "date_to": max(records.mapped("date")),
            "document_type": document.type_name,
            "document": self._document_reference(document),
            "document_date": self._document_date(document),
            "currency": currency,
            "sections": sections,
            "total": currency.round(sum(section["subtotal"] for section in sections)),
        }

    @api.model
    def _build_statement(self, document):
        """(file name, XLSX content) of the document's consumption statement, read with the current
        user's rights."""
        data = self._statement_data(document)
        return self._statement_filename(document), self._render_xlsx(data)

    @api.model
    def _render_xlsx(self, data):
        env = self.with_context(lang=data["lang"]).env
        lang = get_lang(env, data["lang"])
        currency = data["currency"]
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        sheet = workbook.add_worksheet(env._("Consumption"))
        date_format = excel_date_format(lang.date_format)
        quantity_format = excel_number_format(env["decimal.precision"].precision_get("Product Unit"))
        rate_format = excel_number_format(env["decimal.precision"].precision_get("Product Price"))
        amount_format = excel_number_format(currency.decimal_places)
        header_style = {"bold": True, "bg_color": "#D9E1F2", "bottom": 1}
        subtotal_style = {"bold": True, "bg_color": "#F2F2F2"}
        total_style = {"bold": True, "top": 2}
        styles = {
            "title": workbook.add_format({"bold": True, "font_size": 14}),
            "label": workbook.add_format({"bold": True}),
            "date": workbook.add_format({"num_format": date_format, "align": "left"}),
            "header": workbook.add_format(header_style),
            "header_number": workbook.add_format({**header_style, "align": "right"}),
            "row_date": workbook.add_format({"num_format": date_format}),
            "quantity": workbook.add_format({"num_format": quantity_format}),
            "rate": workbook.add_format({"num_format": rate_format}),
            "amount": workbook.add_format({"num_format": amount_format}),
            "subtotal_text": workbook.add_format(subtotal_style),
            "subtotal_quantity": workbook.add_format({**subtotal_style, "num_format": quantity_format}),
            "subtotal_rate": workbook.add_format({**subtotal_style, "num_format": rate_format}),
            "subtotal_amount": workbook.add_format({**subtotal_style, "num_format": amount_format}),
            "total_text": workbook.add_format(total_style),
            "total_amount": workbook.add_format({**total_style, "num_format": amount_format}),
        }
        widths = {}

        def write(row, col, value, style=None, width=None):
            if isinstance(value, str):
                sheet.write_string(row, col, value, style)
            elif value is None or value is False:
                sheet.write_blank(row, col, None, style)
            else:
                sheet.write(row, col, value, style)
            text_width = width or (len(value) if isinstance(value, str) else 0)
            widths[col] = max(widths.get(col, 0), text_width)

        sheet.write_string(0, 0, env._("Consumption statement"), styles["title"])
        period = "{} - {}".format(
            format_date(env, data["date_from"], lang_code=lang.code),
            format_date(env, data["date_to"], lang_code=lang.code),
        )
        header = [
            (env._("Company"), data["company"], None),
            (env._("Customer"), data["customer"], None),
            (env._("Period"), period, None),
            (data["document_type"], data["document"], None),
            (env._("Date"), data["document_date"], styles["date"]),
            (env._("Currency"), currency.name, None),
        ]
        for row, (label, value, style) in enumerate(header, start=1):
            sheet.write_string(row, 0, label, styles["label"])
            if style:
                sheet.write_datetime(row, 1, value, style)
            else:
                sheet.write_string(row, 1, value)

        columns = [
            (env._("Date"), False),
            (env._("Product"), False),
            (env._("Description"), False),
            (env._("Quantity"), True),
            (env._("Unit"), False),
            (env._("Rate"), True),
            (env._("Source"), False),
            (env._("Amount"), True),
        ]
        table_top = HEADER_ROWS
        for col, (title, numeric) in enumerate(columns):
            write(table_top, col, title, styles["header_number" if numeric else "header"])
        row = table_top
        for section in data["sections"]:
            for line_row in section["rows"]:
                row += 1
                if line_row["date"]:
                    sheet.write_datetime(row, 0, line_row["date"], styles["row_date"])
                widths[0] = max(widths.get(0, 0), 12)
                write(row, 1, line_row["product"])
                write(row, 2, line_row["description"])
                write(row, 3, line_row["quantity"], styles["quantity"], 12)
                write(row, 4, line_row["uom"])
                write(row, 5, line_row["rate"], styles["rate"], 12)
                write(row, 6, line_row["source"])
                write(row, 7, line_row["amount"], styles["amount"], 14)
            row += 1
            write(row, 0, "", styles["subtotal_text"])
            write(row, 1, section["product"], styles["subtotal_text"])
            write(row, 2, env._("Subtotal: %(line)s", line=section["name"]), styles["subtotal_text"])
            write(row, 3, section["quantity"], styles["subtotal_quantity"], 12)
            write(row, 4, section["uom"], styles["subtotal_text"])
            write(row, 5, section["rate"], styles["subtotal_rate"], 12)
            write(row, 6, section["source"], styles["subtotal_text"])
            write(row, 7, section["subtotal"], styles["subtotal_amount"], 14)
        sheet.autofilter(table_top, 0, row, len(columns) - 1)
        row += 1
        write(row, 2, env._("Total"), styles["total_text"])
        for col in (0, 1, 3, 4, 5, 6):
            sheet.write_blank(row, col, None, styles["total_text"])
        write(row, 7, data["total"], styles["total_amount"], 14)

        sheet.freeze_panes(table_top + 1, 0)
        for col in range(len(columns)):
            width = min(max(widths.get(col, 0) + 2, COLUMN_MIN_WIDTH), COLUMN_MAX_WIDTH)
            sheet.set_column(col, col, width)
        workbook.close()
        return output.getvalue()
