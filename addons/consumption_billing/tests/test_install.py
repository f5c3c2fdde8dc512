from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_installed_with_menu_and_groups(self):
        module = self.env["ir.module.module"].search([("name", "=", "consumption_billing")])
        self.assertEqual(module.state, "installed")
        menu = self.env.ref("consumption_billing.menu_consumption_root")
        self.assertEqual(menu.parent_id, self.env.ref("sale.sale_menu_root"))
        user_group = self.env.ref("consumption_billing.group_consumption_user")
        manager_group = self.env.ref("consumption_billing.group_consumption_manager")
        self.assertIn(user_group, manager_group.all_implied_ids)
        self.assertIn(manager_group, self.env.ref("sales_team.group_sale_manager").all_implied_ids)
        self.assertIn(user_group, self.env.ref("account.group_account_invoice").all_implied_ids)
        self.assertIn(user_group, self.env.ref("sales_team.group_sale_salesman").all_implied_ids)
        self.assertIn(manager_group, self.env.ref("base.user_admin").all_group_ids)
