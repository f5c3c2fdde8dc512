from odoo import http
from odoo.addons.sale.controllers import portal as sale_portal
from odoo.exceptions import AccessError, MissingError
from odoo.http import request


class HiddenRecurringOrderError(MissingError):
    """A confirmed recurring order the portal does not show (yet)."""


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
        return [
            *super()._prepare_orders_domain(partner),
            "|",
            "|",
            ("recurrence_enabled", "=", False),
            ("finalized", "=", True),
            ("company_id.recurring_portal_orders", "=", "confirmed"),
        ]

    def _document_check_access(self, model_name, document_id, access_token=None):
        document_sudo = super()._document_check_access(model_name, document_id, access_token=access_token)
        if model_name == "sale.order" and self._recurring_order_hidden(document_sudo):
            raise HiddenRecurringOrderError(request.env._("This document does not exist."))
        return document_sudo

    def _recurring_order_hidden_to_visitor(self, order_id, access_token):
        """Whether the visitor may open the order but the portal hides it (not whether it exists)."""
        try:
            self._document_check_access("sale.order", order_id, access_token=access_token)
        except HiddenRecurringOrderError:
            return True
        except (AccessError, MissingError):
            return False
        return False

    @http.route()
    def portal_order_page(
        self,
        order_id,
        report_type=None,
        access_token=None,
        message=False,
        download=False,
        payment_amount=None,
        amount_selection=None,
        **kw,
    ):
        """A hidden order answers 404 to whoever may open it otherwise; the others get Odoo's answer."""
        if self._recurring_order_hidden_to_visitor(order_id, access_token):
            raise request.not_found()
        return super().portal_order_page(
            order_id,
            report_type=report_type,
            access_token=access_token,
            message=message,
            download=download,
            payment_amount=payment_amount,
            amount_selection=amount_selection,
            **kw,
        )
