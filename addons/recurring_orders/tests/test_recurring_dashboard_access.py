import io

import openpyxl
from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .test_recurring_dashboard import RecurringDashboardCase


@tagged("post_install", "-at_install")
class TestRecurringDashboardAccess(RecurringDashboardCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "Elsewhere (dashboard)"})
        companies = (cls.company | cls.other_company).ids
        cls.own_salesman = new_test_user(
            cls.env, login="dash_own_salesman", groups="sales_team.group_sale_salesman", company_ids=companies
        )
        cls.billing_user = new_test_user(
            cls.env, login="dash_billing", groups="account.group_account_invoice", company_id=cls.company.id
        )
        cls.internal_user = new_test_user(cls.env, login="dash_internal", groups="base.group_user")

    def _visible_orders(self, user, orders, companies=None):
        self.env.flush_all()
        dashboard = self.dashboard.with_user(user)
        if companies:
            dashboard = dashboard.with_context(allowed_company_ids=companies.ids)
        return dashboard.search([("order_id", "in", orders.ids)]).order_id

    @freeze_time("2026-03-15")
    def test_salesman_sees_own_and_unassigned_orders_billing_sees_all(self):
        own = self._create_order(user_id=self.own_salesman.id)
        unassigned = self._create_order(user_id=False)
        someone_else = self._create_order(user_id=self.env.ref("base.user_admin").id)
        orders = own | unassigned | someone_else
        self.assertEqual(self._visible_orders(self.own_salesman, orders), own | unassigned)
        self.assertEqual(self._visible_orders(self.billing_user, orders), orders)
        counts = self.dashboard.with_user(self.own_salesman).get_problem_counts(
            [("order_id", "in", orders.ids)]
        )
        self.assertEqual(counts["total"], 2, "the counts apply the same rules")

    @freeze_time("2026-03-15")
    def test_rows_of_other_companies_are_hidden(self):
        order = self._create_order(user_id=False)
        # An order of another company (its company changed by SQL: only the row's company matters here).
        elsewhere = self._create_order(user_id=False)
        self.env.cr.execute(
            "UPDATE sale_order SET company_id = %s WHERE id = %s", (self.other_company.id, elsewhere.id)
        )
        elsewhere.invalidate_recordset(["company_id"])
        orders = order | elsewhere
        self.assertEqual(self._visible_orders(self.billing_user, orders), order)
        self.assertEqual(self._visible_orders(self.own_salesman, orders, self.company), order)
        self.assertEqual(
            self._visible_orders(self.own_salesman, orders, self.company | self.other_company), orders
        )
        content = (
            self.env["recurring.dashboard.xlsx"]
            .with_user(self.billing_user)
            ._generate([("order_id", "in", orders.ids)])
        )
        sheet = openpyxl.load_workbook(io.BytesIO(content))["Orders"]
        exported = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] != "Total"]
        self.assertEqual(exported, [order.name], "the export applies the same rules")
        revenue_rows = self.env["recurring.revenue.report"].with_user(self.billing_user).search([])
        self.assertNotIn(self.other_company, revenue_rows.company_id)

    def test_other_users_cannot_read_the_dashboard(self):
        with self.assertRaises(AccessError):
            self.dashboard.with_user(self.internal_user).search([])
        with self.assertRaises(AccessError):
            self.env["recurring.revenue.report"].with_user(self.internal_user).search([])

    def test_menu_is_visible_to_sales_and_billing_users(self):
        menu = self.env.ref("recurring_orders.menu_recurring_dashboard")
        for user in (self.own_salesman, self.billing_user):
            visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
            self.assertIn(menu.id, visible, user.login)
        self.assertNotIn(menu.id, self.env["ir.ui.menu"].with_user(self.internal_user)._visible_menu_ids())

    @freeze_time("2026-03-15")
    def test_generating_missing_invoices_needs_the_right_to_create_invoices(self):
        order = self._create_order(user_id=self.own_salesman.id)
        self.env.flush_all()
        row = self.dashboard.with_user(self.own_salesman).search([("order_id", "=", order.id)])
        with self.assertRaises(AccessError):
            row.action_generate_missing()
        self.assertFalse(order.recurrence_last_error, "a refused click is not a failed generation")
        row = self.dashboard.with_user(self.billing_user).search([("order_id", "=", order.id)])
        action = row.action_generate_missing()
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        self.assertEqual(len(self._active_invoices(order)), 3)

    @freeze_time("2026-03-15")
    def test_rows_follow_the_sale_order_rules_of_a_salesperson_who_is_also_billing_user(self):
        """Own documents only on sale orders, billing rights too: the dashboard, its counts, its export and
        the revenue report show exactly the orders ``sale.order.search()`` shows."""
        own_billing = new_test_user(
            self.env,
            login="dash_own_billing",
            groups="sales_team.group_sale_salesman,account.group_account_invoice",
        )
        own = self._create_order(user_id=own_billing.id)
        unassigned = self._create_order(user_id=False)
        someone_else = self._create_order(user_id=self.env.ref("base.user_admin").id)
        orders = own | unassigned | someone_else
        self._generate(orders)
        readable = self.env["sale.order"].with_user(own_billing).search([("id", "in", orders.ids)])
        self.assertEqual(readable, own | unassigned)

        self.assertEqual(self._visible_orders(own_billing, orders), readable)
        dashboard = self.dashboard.with_user(own_billing)
        self.assertEqual(dashboard.get_problem_counts([("order_id", "in", orders.ids)])["total"], 2)
        [(total,)] = dashboard._read_group([("order_id", "in", orders.ids)], [], ["amount_untaxed:sum"])
        self.assertEqual(total, 420.0)
        hidden_row = self.dashboard.search([("order_id", "=", someone_else.id)])
        with self.assertRaises(AccessError):
            hidden_row.with_user(own_billing).read(["name"])
        content = (
            self.env["recurring.dashboard.xlsx"]
            .with_user(own_billing)
            ._generate([("order_id", "in", orders.ids)])
        )
        sheet = openpyxl.load_workbook(io.BytesIO(content))["Orders"]
        exported = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] != "Total"}
        self.assertEqual(exported, set(readable.mapped("name")))
        revenue = (
            self.env["recurring.revenue.report"]
            .with_user(own_billing)
            .search([("order_id", "in", orders.ids)])
        )
        self.assertEqual(revenue.order_id, readable)
        # A billing user without a sales rule reads every order of the company, and sees every row.
        self.assertEqual(self._visible_orders(self.billing_user, orders), orders)
