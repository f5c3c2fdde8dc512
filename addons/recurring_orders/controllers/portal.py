from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.sale.controllers import portal as sale_portal


class RecurringOrdersPortal(sale_portal.CustomerPortal):
    """Confirmed recurring orders appear on the portal according to their company's setting: once
    finalized (by default) or as soon as confirmed. A hidden order is neither listed nor reachable, by URL
    or access token; its invoices are not concerned."""

    @staticmethod
    def _recurring_order_hidden(order):
        return (
            order.state == "sale"
            and order.recurrence_enabled
            and not order.finalized
            and order.company_id.recurring_portal_orders == "finalized"
        )

    def _prepare_orders_domain(self, partner):
        return super()._prepare_orders_domain(partner) + [
            "|", "|",
            ("recurrence_enabled", "=", False),
            ("finalized", "=", True),
            ("company_id.recurring_portal_orders", "=", "confirmed"),
        ]

    def _document_check_access(self, model_name, document_id, access_token=None):
        document_sudo = super()._document_check_access(model_name, document_id, access_token=access_token)
        if model_name == "sale.order" and self._recurring_order_hidden(document_sudo):
            raise MissingError(request.env._("This document does not exist."))
        return document_sudo

    @http.route()
    def portal_order_page(self, order_id, report_type=None, access_token=None, message=False, download=False,
                          payment_amount=None, amount_selection=None, **kw):
        """A hidden order answers 404 to whoever may open it otherwise; the others get Odoo's answer."""
        try:
            order_sudo = super()._document_check_access("sale.order", order_id, access_token=access_token)
        except (AccessError, MissingError):
            order_sudo = None
        if order_sudo and self._recurring_order_hidden(order_sudo):
            raise request.not_found()
        return super().portal_order_page(
            order_id, report_type=report_type, access_token=access_token, message=message, download=download,
            payment_amount=payment_amount, amount_selection=amount_selection, **kw,
        )
