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

    def test_login_page_and_its_assets_are_served(self):
        # The frontend bundle links Debian's jQuery: a dangling symlink in the extracted package
        # turns this page into a server error.
        response = self.url_open("/web/login")
        self.assertEqual(response.status_code, 200)
        self.assertIn('name="login"', response.text)
