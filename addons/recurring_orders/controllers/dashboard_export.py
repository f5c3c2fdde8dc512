import json
import tempfile

from werkzeug.exceptions import BadRequest
from werkzeug.wsgi import wrap_file

from odoo import http
from odoo.addons.consumption_billing.controllers.consumption_statement import xlsx_response
from odoo.http import request

from ..report.dashboard_xlsx import EXPORT_ROUTE


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
        # Written to disk, then sent in blocks: the file is never held in memory.
        file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the response once sent)
        try:
            # In a read-only transaction of its own: one that has written nothing (the request's may have
            # logged the device) can share its snapshot with the connections reading in the background.
            with request.env.registry.cursor(readonly=True) as cr:
                export.with_env(export.env(cr=cr))._write_workbook(domain, file)
        except Exception:
            file.close()
            raise
        size = file.tell()
        file.seek(0)
        response = xlsx_response(export._filename(), wrap_file(request.httprequest.environ, file))
        response.headers["Content-Length"] = size
        return response
