from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_installed_with_menu(self):
        module = self.env["ir.module.module"].search([("name", "=", "pricelist_priority")])
        self.assertEqual(module.state, "installed")
        menu = self.env.ref("pricelist_priority.menu_billing_prices_root")
        self.assertEqual(menu.parent_id, self.env.ref("sale.product_menu_catalog"))
