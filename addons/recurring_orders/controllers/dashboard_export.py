import json

from werkzeug.exceptions import BadRequest

from odoo import http
from odoo.http import content_disposition, request

from ..report.dashboard_xlsx import EXPORT_ROUTE

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RecurringDashboardExport(http.Controller):
    @http.route(EXPORT_ROUTE, type="http", auth="user", methods=["GET"], readonly=True)
    def export_dashboard_xlsx(self, domain="[]"):
        """Download the dashboard's Excel report of the rows matching ``domain`` (a JSON list)."""
        try:
            domain = json.loads(domain)
        except ValueError as error:
            raise BadRequest(request.env._("The filter of the export is not valid JSON.")) from error
        if not isinstance(domain, list):
            raise BadRequest(request.env._("The filter of the export must be a list of conditions."))
        export = request.env["recurring.dashboard.xlsx"]
        content = export._generate(domain)
        return request.make_response(
            content,
            headers=[
                ("Content-Type", XLSX_MIMETYPE),
                ("Content-Disposition", content_disposition(export._filename())),
            ],
        )
