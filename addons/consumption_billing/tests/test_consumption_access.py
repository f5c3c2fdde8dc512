from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ConsumptionCase


@tagged("post_install", "-at_install")
class TestConsumptionAccess(ConsumptionCase):
    """Real users of each group, never sudo."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.record_a = cls.Record.create(cls.record_values(external_ref="ACC-A"))
        cls.record_b = cls.Record.with_company(cls.other_company).create(
            cls.record_values(
                partner_id=cls.customer_of_other_company.id,
                company_id=cls.other_company.id,
                external_ref="ACC-B",
            )
        )
        cls.billed_by_hand = cls.Record.create(cls.record_values(billed=True))
        cls.user_of_b = new_test_user(
            cls.env,
            "cons_user_b",
            groups="base.group_user,consumption_billing.group_consumption_user",
            company_id=cls.other_company.id,
            company_ids=[Command.set(cls.other_company.ids)],
        )

    def test_user_creates_reads_and_edits_records_of_their_company(self):
        Record = self.Record.with_user(self.consumption_user)
        record = Record.create(self.record_values(quantity=4))
        self.assertEqual(record.create_uid, self.consumption_user)
        record.write({"quantity": 5})
        visible = Record.search([("external_ref", "in", ["ACC-A", "ACC-B"])])
        self.assertEqual(visible, self.record_a.with_user(self.consumption_user))
        with self.assertRaises(AccessError):
            self.record_b.with_user(self.consumption_user).read(["quantity"])
        with self.assertRaises(AccessError):
            Record.create(
                self.record_values(
                    company_id=self.other_company.id, partner_id=self.customer_of_other_company.id
                )
            )

    def test_user_deletes_unbilled_records_only(self):
        unbilled = self.Record.with_user(self.consumption_user).create(self.record_values())
        unbilled.unlink()
        self.assertFalse(unbilled.exists())
        with self.assertRaises(AccessError):
            self.billed_by_hand.with_user(self.consumption_user).unlink()
        self.assertTrue(self.billed_by_hand.exists())

    def test_manager_deletes_records_billed_by_hand_and_sees_both_companies(self):
        manager_env = self.env(
            user=self.consumption_manager,
            context={"allowed_company_ids": [self.company.id, self.other_company.id]},
        )
        records = manager_env["consumption.record"].search([("external_ref", "in", ["ACC-A", "ACC-B"])])
        self.assertEqual(len(records), 2)
        self.billed_by_hand.with_user(self.consumption_manager).unlink()
        self.assertFalse(self.billed_by_hand.exists())

    def test_company_b_user_never_sees_company_a(self):
        Record = self.Record.with_user(self.user_of_b)
        self.assertEqual(Record.search([("external_ref", "like", "ACC-")]).mapped("external_ref"), ["ACC-B"])
        with self.assertRaises(AccessError):
            self.record_a.with_user(self.user_of_b).read(["quantity"])
        self.assertEqual(Record.search_count([("id", "=", self.record_a.id)]), 0)
        groups = Record.formatted_read_group([], ["company_id"], ["__count"])
        self.assertEqual([group["company_id"][0] for group in groups], [self.other_company.id])

    def test_salesman_without_consumption_group_has_no_access(self):
        Record = self.Record.with_user(self.salesman)
        for operation in (
            lambda: Record.search([]),
            lambda: Record.create(self.record_values()),
            lambda: self.record_a.with_user(self.salesman).read(["quantity"]),
        ):
            with self.assertRaises(AccessError):
                operation()
        menu = self.env.ref("consumption_billing.menu_consumption_root")
        visible_menus = self.env["ir.ui.menu"].with_user(self.salesman)._visible_menu_ids()
        self.assertNotIn(menu.id, visible_menus)
        self.assertIn(menu.id, self.env["ir.ui.menu"].with_user(self.consumption_user)._visible_menu_ids())

    def test_portal_user_of_another_customer_sees_nothing(self):
        self.assertFalse(self.Record.with_user(self.portal_user).search([]))
        with self.assertRaises(AccessError):
            self.record_a.with_user(self.portal_user).read(["quantity"])

    def test_accountant_is_consumption_user_and_sales_manager_is_consumption_manager(self):
        accountant = new_test_user(self.env, "cons_accountant", groups="account.group_account_invoice")
        sales_manager = new_test_user(self.env, "cons_sales_manager", groups="sales_team.group_sale_manager")
        self.assertTrue(accountant.has_group("consumption_billing.group_consumption_user"))
        self.assertFalse(accountant.has_group("consumption_billing.group_consumption_manager"))
        self.assertTrue(sales_manager.has_group("consumption_billing.group_consumption_manager"))
