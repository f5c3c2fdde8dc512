from werkzeug.exceptions import Forbidden

from odoo import http
from odoo.exceptions import AccessError
from odoo.http import content_disposition, request

from ..report.consumption_statement import XLSX_MIMETYPE


def xlsx_response(filename, content):
    """The HTTP response downloading an Excel file: statements, consumption lists, dashboard exports."""
    return request.make_response(
        content,
        headers=[
            ("Content-Type", XLSX_MIMETYPE),
            ("Content-Disposition", content_disposition(filename)),
        ],
    )


class ConsumptionStatementController(http.Controller):
    @http.route(
        "/consumption_billing/statement/<any('account.move', 'sale.order'):model>/<int:document_id>",
        type="http",
        auth="user",
        methods=["GET"],
    )
    def download_consumption_statement(self, model, document_id):
        """The XLSX statement of an invoice or order, built with the user's own rights. A document that
        does not exist and one the user cannot read (or whose consumption they cannot read) get the same
        answer, 404, so that ids cannot be probed. Portal users get their statements from the portal
        (/my/invoices/<id>/statement)."""
        if not request.env.user._is_internal():
            raise Forbidden()
        try:
            document = request.env[model].browse(document_id).exists()
            if not document:
                raise request.not_found()
            filename, content = request.env["consumption.statement"]._build_statement(document)
        except AccessError:
            raise request.not_found() from None
        return xlsx_response(filename, content)
