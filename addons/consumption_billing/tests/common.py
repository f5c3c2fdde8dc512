from odoo import Command
from odoo.tests import TransactionCase, new_test_user


class ConsumptionCase(TransactionCase):
    """Customers, products and users shared by the consumption tests, and a second company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company  # has a chart of accounts, so consumption can be invoiced
        cls.other_company = cls.env["res.company"].create({"name": "Other Telco GmbH"})
        cls.env.user.write(
            {"company_ids": [Command.link(cls.company.id), Command.link(cls.other_company.id)]}
        )
        cls.env.user.group_ids += cls.env.ref("product.group_product_pricelist")
        Partner = cls.env["res.partner"]
        cls.customer = Partner.create(
            {
                "name": "Alpha Retail",
                "is_company": True,
                "ref": "CUST-ALPHA",
                "vat": "BE0477472701",
            }
        )
        cls.contact = Partner.create({"name": "Anna Alpha", "parent_id": cls.customer.id})
        cls.customer_b = Partner.create({"name": "Beta Bank", "is_company": True, "ref": "CUST-BETA"})
        cls.customer_of_other_company = Partner.create(
            {
                "name": "Gamma (other company)",
                "is_company": True,
                "ref": "CUST-GAMMA",
                "company_id": cls.other_company.id,
            }
        )
        cls.unit = cls.env.ref("uom.product_uom_unit")
        cls.pack = cls.env.ref("uom.product_uom_pack_6")
        cls.kwh = cls.env.ref("uom.product_uom_kwh")
        Product = cls.env["product.product"]
        cls.phone = Product.create(
            {
                "name": "Phone units",
                "default_code": "T-PHONE",
                "type": "service",
                "list_price": 0.10,
                "uom_id": cls.unit.id,
            }
        )
        cls.bank = Product.create(
            {
                "name": "Bank charges",
                "default_code": "T-BANK",
                "type": "service",
                "list_price": 2.0,
                "uom_id": cls.unit.id,
            }
        )
        cls.power = Product.create(
            {
                "name": "Power",
                "default_code": "T-KWH",
                "type": "service",
                "list_price": 0.25,
                "uom_id": cls.kwh.id,
            }
        )
        cls.Record = cls.env["consumption.record"]
        cls.consumption_user = new_test_user(
            cls.env,
            "cons_user",
            groups="base.group_user,consumption_billing.group_consumption_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.consumption_manager = new_test_user(
            cls.env,
            "cons_manager",
            groups="base.group_user,consumption_billing.group_consumption_manager",
            company_id=cls.company.id,
            company_ids=[Command.set((cls.company | cls.other_company).ids)],
        )
        cls.salesman = new_test_user(
            cls.env,
            "cons_salesman",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        # Reads invoices, has no consumption rights (salespeople have them: Sales / User implies them).
        cls.auditor = new_test_user(
            cls.env,
            "cons_auditor",
            groups="account.group_account_readonly",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.portal_user = new_test_user(cls.env, "cons_portal", groups="base.group_portal")

    @classmethod
    def record_values(cls, **values):
        return {
            "partner_id": cls.customer.id,
            "product_id": cls.phone.id,
            "date": "2026-03-10",
            "quantity": 10,
            **values,
        }

    @staticmethod
    def row(**values):
        return {"partner": "CUST-ALPHA", "product": "T-PHONE", "date": "2026-03-10", "quantity": 10, **values}
