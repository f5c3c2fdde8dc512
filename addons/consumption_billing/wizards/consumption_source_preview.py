from markupsafe import Markup, escape

from odoo import api, fields, models

from ..models.consumption_record_ingest import INGEST_KEYS
from ..models.consumption_source import SourceError

PREVIEW_ROWS = 20


class ConsumptionSourcePreview(models.TransientModel):
    """The first rows of a source's first page or file, mapped and checked by ingest(), nothing written."""

    _name = "consumption.source.preview"
    _description = "Consumption Source Preview"

    source_id = fields.Many2one("consumption.source", required=True, ondelete="cascade")
    summary = fields.Char(readonly=True)
    rows_html = fields.Html(string="Rows", readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        previews = super().create(vals_list)
        for preview in previews:
            preview.write(preview._read_first_rows())
        return previews

    def _read_first_rows(self):
        source = self.source_id
        units = source._feed_units(fields.Datetime.now())
        try:
            unit = next(units, None)
            if unit is None:
                return {"summary": self.env._("The feed has nothing to read."), "rows_html": False}
            rows = []
            for raw in unit["rows"]:
                rows.append(raw)
                if len(rows) == PREVIEW_ROWS:
                    break
            if hasattr(unit["rows"], "close"):
                unit["rows"].close()  # a file read lazily is closed now, not when collected
            return source._preview_values(unit, rows)
        except SourceError as error:
            return {"summary": str(error), "rows_html": False}
        finally:
            units.close()

    def _render_rows(self, mapped, errors_by_row):
        header = Markup("").join(Markup("<th>%s</th>") % key for key in ("#", *INGEST_KEYS))
        header += Markup("<th>%s</th>") % self.env._("Errors")
        body = Markup("")
        for number, row in mapped:
            cells = Markup("<td>%s</td>") % number
            for key in INGEST_KEYS:
                value = (row or {}).get(key)
                cells += Markup("<td>%s</td>") % ("" if value is None else value)
            errors = errors_by_row.get(number, [])
            cells += Markup("<td class='text-danger'>%s</td>") % Markup("<br/>").join(map(escape, errors))
            body += Markup("<tr>%s</tr>") % cells
        return Markup(
            "<table class='table table-sm o_consumption_source_preview'><thead><tr>%s</tr></thead>"
            "<tbody>%s</tbody></table>"
        ) % (header, body)
