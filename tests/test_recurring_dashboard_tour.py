"""Browser tour: open the recurring invoicing dashboard, filter on "missing", generate what is missing."""

from dateutil.relativedelta import relativedelta

from odoo.fields import Command
from odoo.tests import HttpCase, tagged

from .dates import user_today


@tagged("post_install", "-at_install")
class TestRecurringDashboardTour(HttpCase):
    def test_filter_missing_and_generate(self):
        partner = self.env["res.partner"].create(
            {"name": "Dashboard Tour Customer", "email": "dash@example.com"}
        )
        product = self.env["product.product"].create(
            {"name": "Dashboard Tour Plan", "type": "service", "list_price": 50.0, "invoice_policy": "order"}
        )
        first_month = user_today(self.env).replace(day=1) - relativedelta(months=2)
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 1})],
                "recurrence_enabled": True,
                "recurrence_frequency": "monthly",
                "recurrence_date_start": first_month,
                "recurrence_invoice_state": "draft",
            }
        )
        order.action_confirm()
        order.name = "DASH-TOUR-1"

        self.start_tour(
            "/odoo/action-recurring_orders.action_recurring_dashboard",
            "recurring_dashboard_tour",
            login="admin",
        )

        invoices = order.recurrence_invoice_ids.sorted("recurring_period_start")
        self.assertEqual(
            invoices.mapped("recurring_period_start"),
            [first_month, first_month + relativedelta(months=1), first_month + relativedelta(months=2)],
        )
        self.assertEqual(invoices.mapped("amount_untaxed"), [50.0, 50.0, 50.0])
        self.assertEqual(set(invoices.mapped("state")), {"draft"})

    def test_every_view_of_the_dashboard_and_the_revenue_report_opens(self):
        partner = self.env["res.partner"].create(
            {"name": "Dashboard Views Customer", "email": "views@example.com"}
        )
        product = self.env["product.product"].create({"name": "Dashboard Views Plan", "type": "service"})
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [Command.create({"product_id": product.id, "price_unit": 30.0})],
                "recurrence_enabled": True,
                "recurrence_date_start": user_today(self.env).replace(day=1),
            }
        )
        order.action_confirm()
        order._generate_recurring_invoices()
        for action, view_type, selector in (
            (
                "recurring_orders.action_recurring_dashboard",
                "kanban",
                ".o_kanban_record .badge, .o_kanban_record",
            ),
            ("recurring_orders.action_recurring_dashboard", "pivot", ".o_pivot table"),
            ("recurring_orders.action_recurring_dashboard", "graph", ".o_graph_renderer canvas"),
            ("recurring_orders.action_recurring_revenue_report", "graph", ".o_graph_renderer canvas"),
            ("recurring_orders.action_recurring_revenue_report", "pivot", ".o_pivot table"),
            ("recurring_orders.action_recurring_revenue_report", "list", ".o_list_renderer .o_data_row"),
        ):
            with self.subTest(action=action, view_type=view_type):
                # Any error in the browser console (a broken view or asset) fails browser_js.
                self.browser_js(
                    f"/odoo/action-{action}?view_type={view_type}",
                    f"""
                    const deadline = Date.now() + 30000;
                    (function check() {{
                        if (document.querySelector({selector!r})) {{
                            console.log('test successful');
                        }} else if (Date.now() > deadline) {{
                            console.error('the {view_type} view did not render');
                        }} else {{
                            setTimeout(check, 200);
                        }}
                    }})();
                    """,
                    login="admin",
                    timeout=90,
                )
