"""Consumption statement: the records behind the consumption lines of an invoice or a sale order, as an
XLSX file the customer can check line by line."""

import base64
import io

import xlsxwriter

from odoo import api, models

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMN_WIDTHS = (12, 32, 40, 12, 10, 12, 16, 14)


class ConsumptionStatement(models.AbstractModel):
    _name = "consumption.statement"
    _description = "Consumption Statement"

    @api.model
    def _document_lines(self, document):
        """The consumption lines of an invoice or a sale order, in document order."""
        lines = document.invoice_line_ids if document._name == "account.move" else document.order_line
        return lines.filtered("consumption_record_ids").sorted(lambda line: (line.sequence, line.id))

    @api.model
    def render_xlsx(self, document):
        """The statement of ``document`` (account.move or sale.order) as XLSX bytes: a header, one row per
        record, a subtotal per document line (its untaxed amount) and the total of those subtotals."""
        document.ensure_one()
        env = self.with_context(lang=document.partner_id.lang or self.env.lang).env
        lines = self._document_lines(document)
        records = lines.consumption_record_ids
        currency = document.currency_id
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        sheet = workbook.add_worksheet(env._("Consumption")[:31])
        money = f"#,##0.{'0' * currency.decimal_places}" if currency.decimal_places else "#,##0"
        formats = {
            "title": workbook.add_format({"bold": True, "font_size": 14}),
            "label": workbook.add_format({"bold": True}),
            "header": workbook.add_format({"bold": True, "bg_color": "#DDDDDD", "border": 1}),
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "quantity": workbook.add_format({"num_format": "#,##0.00"}),
            "rate": workbook.add_format({"num_format": "#,##0.00##"}),
            "money": workbook.add_format({"num_format": money}),
            "subtotal_label": workbook.add_format({"bold": True, "top": 1}),
            "subtotal_quantity": workbook.add_format({"bold": True, "top": 1, "num_format": "#,##0.00"}),
            "subtotal_money": workbook.add_format({"bold": True, "top": 1, "num_format": money}),
            "total_money": workbook.add_format({"bold": True, "top": 2, "num_format": money}),
            "total_label": workbook.add_format({"bold": True, "top": 2}),
        }
        sheet.write(0, 0, env._("Consumption statement"), formats["title"])
        period = f"{min(records.mapped('date'))} - {max(records.mapped('date'))}" if records else ""
        header = (
            (env._("Company"), document.company_id.name),
            (env._("Customer"), document.partner_id.commercial_partner_id.display_name),
            (env._("Period"), period),
            (env._("Document"), document.name or ""),
            (env._("Currency"), currency.name),
        )
        for row, (label, value) in enumerate(header, start=1):
            sheet.write(row, 0, label, formats["label"])
            sheet.write(row, 1, value)
        table_row = len(header) + 2
        titles = (
            env._("Date"),
            env._("Product"),
            env._("Description"),
            env._("Quantity"),
            env._("Unit"),
            env._("Rate"),
            env._("Source"),
            env._("Amount"),
        )
        for column, (title, width) in enumerate(zip(titles, COLUMN_WIDTHS, strict=True)):
            sheet.write(table_row, column, title, formats["header"])
            sheet.set_column(column, column, width)
        sheet.freeze_panes(table_row + 1, 0)

        sources = dict(
            self.env["consumption.record"]._fields["price_source_preview"]._description_selection(env)
        )
        row = table_row + 1
        total = 0.0
        for line in lines:
            product = line.product_id
            for record in line.consumption_record_ids.sorted(lambda record: (record.date, record.id)):
                quantity_in_product_unit = record.uom_id._compute_quantity(
                    record.quantity, line.product_uom_id or product.uom_id, round=False
                )
                sheet.write_datetime(row, 0, record.date, formats["date"])
                sheet.write(row, 1, record.product_id.with_env(env).display_name)
                sheet.write(row, 2, record.description or "")
                sheet.write_number(row, 3, record.quantity, formats["quantity"])
                sheet.write(row, 4, record.uom_id.with_env(env).name)
                sheet.write_number(
                    row,
                    5,
                    (line.product_uom_id or product.uom_id)._compute_price(line.price_unit, record.uom_id),
                    formats["rate"],
                )
                sheet.write(row, 6, sources.get(line.price_source, ""))
                sheet.write_number(
                    row, 7, currency.round(quantity_in_product_unit * line.price_unit), formats["money"]
                )
                row += 1
            subtotal = line.price_subtotal
            total += subtotal
            sheet.write(row, 2, env._("Subtotal: %(line)s", line=line.name), formats["subtotal_label"])
            sheet.write_number(
                row,
                3,
                line.product_uom_qty if document._name == "sale.order" else line.quantity,
                formats["subtotal_quantity"],
            )
            sheet.write(
                row, 4, (line.product_uom_id or product.uom_id).with_env(env).name, formats["subtotal_label"]
            )
            sheet.write_number(row, 5, line.price_unit, formats["rate"])
            sheet.write_number(row, 7, subtotal, formats["subtotal_money"])
            row += 2
        sheet.write(row, 2, env._("Total (untaxed)"), formats["total_label"])
        sheet.write_number(row, 7, currency.round(total), formats["total_money"])
        workbook.close()
        return output.getvalue()

    @api.model
    def _attachment_domain(self, document):
        name = self.env._(
            "Consumption statement - %(document)s.xlsx",
            document=(document.name or str(document.id)).replace("/", "-"),
        )
        return name, [("res_model", "=", document._name), ("res_id", "=", document.id), ("name", "=", name)]

    @api.model
    def _existing_or_new_attachment(self, document):
        """For emails: the statement already attached to the (posted, so frozen) invoice, else a new one."""
        _name, domain = self._attachment_domain(document)
        return self.env["ir.attachment"].search(domain, limit=1) or self.attachment(document)

    @api.model
    def attachment(self, document):
        """The statement of ``document`` as an attachment on it, made anew each time."""
        name, domain = self._attachment_domain(document)
        Attachment = self.env["ir.attachment"]
        Attachment.search(domain).unlink()
        return Attachment.create(
            {
                "name": name,
                "res_model": document._name,
                "res_id": document.id,
                "mimetype": XLSX_MIMETYPE,
                "datas": base64.b64encode(self.render_xlsx(document)),
            }
        )

    @api.model
    def download_action(self, document):
        attachment = self.attachment(document)
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }
