"""The web client loads with the three addons installed, without a JavaScript error."""
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestWebClient(HttpCase):
    def test_admin_opens_sales(self):
        # Any console error (a broken asset, a failing view) fails browser_js.
        wait_for_sales_view = """
            const deadline = Date.now() + 30000;
            (function check() {
                const breadcrumb = document.querySelector('.o_breadcrumb, .o_control_panel');
                const view = document.querySelector('.o_list_view, .o_kanban_view');
                if (breadcrumb && view) {
                    console.log('test successful');
                } else if (Date.now() > deadline) {
                    console.error('the Sales view did not render');
                } else {
                    setTimeout(check, 200);
                }
            })();
        """
        self.browser_js("/odoo/sales", wait_for_sales_view, login="admin", timeout=120)
