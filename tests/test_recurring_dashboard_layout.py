"""The dashboard's list in a browser 1440 px wide: the default columns and the row buttons fit."""

from dateutil.relativedelta import relativedelta

from odoo.fields import Command
from odoo.tests import HttpCase, tagged

from .dates import user_today

CHECK_LAYOUT = """
    const deadline = Date.now() + 60000;
    (function check() {
        const row = [...document.querySelectorAll('.o_list_renderer .o_data_row')]
            .find((tr) => tr.textContent.includes('DASH-LAYOUT-1'));
        if (!row) {
            if (Date.now() > deadline) {
                console.error('the dashboard list did not render');
            } else {
                setTimeout(check, 200);
            }
            return;
        }
        const errors = [];
        const headers = [...document.querySelectorAll('.o_list_renderer thead th')]
            .map((th) => th.textContent.trim());
        for (const title of ['Next Invoice Date', 'This Period']) {
            if (!headers.includes(title)) {
                errors.push('no column ' + title + ' in ' + JSON.stringify(headers));
            }
        }
        const width = document.documentElement.clientWidth;
        const buttons = [...row.querySelectorAll('button')];
        if (buttons.length !== 3) {
            errors.push('expected 3 row buttons, found ' + buttons.length);
        }
        for (const button of buttons) {
            const rect = button.getBoundingClientRect();
            if (rect.width === 0 || rect.right > width) {
                errors.push(`button ${button.name} ends at ${rect.right}, outside the ${width} px screen`);
            }
        }
        const list = document.querySelector('.o_list_renderer');
        if (list.scrollWidth > list.clientWidth + 1) {
            errors.push(`the list scrolls sideways: ${list.scrollWidth} px in ${list.clientWidth} px`);
        }
        if (errors.length) {
            console.error(errors.join('; '));
        } else {
            console.log('test successful');
        }
    })();
"""


@tagged("post_install", "-at_install")
class TestRecurringDashboardLayout(HttpCase):
    browser_size = "1440x900"

    def test_default_columns_and_row_buttons_fit_1440_px(self):
        partner = self.env["res.partner"].create(
            {"name": "Dashboard Layout Customer With A Long Company Name", "email": "layout@example.com"}
        )
        product = self.env["product.product"].create(
            {
                "name": "Dashboard Layout Plan",
                "type": "service",
                "list_price": 50.0,
                "invoice_policy": "order",
            }
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 1})],
                "recurrence_enabled": True,
                "recurrence_frequency": "monthly",
                "recurrence_date_start": user_today(self.env).replace(day=1) - relativedelta(months=2),
                "recurrence_invoice_state": "draft",
            }
        )
        order.action_confirm()
        order._generate_recurring_invoices()
        order.recurrence_invoice_ids[:1].button_cancel()  # a missing period: every row button shows
        order.name = "DASH-LAYOUT-1"
        self.browser_js(
            "/odoo/action-recurring_orders.action_recurring_dashboard?view_type=list",
            CHECK_LAYOUT,
            login="admin",
            timeout=120,
        )
