from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_installed_with_menu(self):
        module = self.env["ir.module.module"].search([("name", "=", "recurring_orders")])
        self.assertEqual(module.state, "installed")
        menu = self.env.ref("recurring_orders.menu_recurring_root")
        self.assertEqual(menu.parent_id, self.env.ref("sale.sale_menu_root"))
