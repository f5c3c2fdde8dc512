from odoo import api, models
from odoo.tools import SQL


class RecurringOrderReport(models.AbstractModel):
    """Rows about sale orders (the dashboard, the recurring revenue report) are visible exactly when their
    order is: every search, read, count and grouped read keeps the rows whose ``order_id`` the user can
    search on ``sale.order``, with all of its record rules (companies, own documents only...) and none
    copied here. The condition is one sub-select of the readable order ids, evaluated with the rows'
    query."""

    _name = "recurring.order.report"
    _description = "Report Rows Visible Through Their Sale Order"

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, *, active_test=True, bypass_access=False):
        query = super()._search(
            domain, offset, limit, order, active_test=active_test, bypass_access=bypass_access
        )
        if self.env.su or bypass_access or query.is_empty():
            return query
        readable_orders = self.env["sale.order"]._search([])
        query.add_where(
            SQL(
                "%s IN %s",
                SQL.identifier(self._table, "order_id"),
                readable_orders.subselect(),
            )
        )
        return query

    def _check_access(self, operation):
        result = super()._check_access(operation)
        if result or self.env.su or not any(self._ids):
            return result
        orders = self.sudo().order_id
        hidden = orders - orders.with_env(self.env)._filtered_access("read")
        forbidden = self.sudo().filtered(lambda row: row.order_id in hidden).with_env(self.env)
        if forbidden:
            return forbidden, lambda: self.env["ir.rule"]._make_access_error(operation, forbidden)
        return None

    def _order_field_selection(self, field_name):
        """The choices of the order's field ``field_name``, labels translated: a row shows its order's
        values the way the order does, with no list of choices of its own."""
        return self.env["sale.order"]._fields[field_name]._description_selection(self.env)

    def _selection_frequency(self):
        return self._order_field_selection("recurrence_frequency")
