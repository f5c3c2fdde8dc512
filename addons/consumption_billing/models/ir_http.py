import logging

from odoo import models
from odoo.http import request

_logger = logging.getLogger(__name__)

# Largest JSON-2 body of an ingest() call: 10,000 rows of typical size take about 1.5 MB, 10,000 rows with
# 2,000-character descriptions about 22 MB. Odoo's own limit (128 MB) would let a million rows be parsed
# before ingest() refuses them.
INGEST_MAX_BODY_BYTES = 32 * 1024 * 1024
INGEST_MAX_BODY_PARAM = "consumption_billing.ingest_max_body_bytes"


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _pre_dispatch(cls, rule, args):
        """Bound the body of a JSON-2 ingest() call before it is read: Odoo parses the whole body before
        calling the method, so a larger one is refused with HTTP 413 without being parsed."""
        result = super()._pre_dispatch(rule, args)
        if args.get("__model__") == "consumption.record" and args.get("__method__") == "ingest":
            request.httprequest.max_content_length = cls._ingest_max_body_bytes()
        return result

    @classmethod
    def _ingest_max_body_bytes(cls):
        value = request.env["ir.config_parameter"].sudo().get_param(INGEST_MAX_BODY_PARAM)
        try:
            return int(value) if value else INGEST_MAX_BODY_BYTES
        except ValueError:
            _logger.error(
                "invalid %s: %r, using %s instead", INGEST_MAX_BODY_PARAM, value, INGEST_MAX_BODY_BYTES
            )
            return INGEST_MAX_BODY_BYTES
