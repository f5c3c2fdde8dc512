from datetime import date

from odoo.fields import Command
from odoo.tests import TransactionCase


class BillingPriceCase(TransactionCase):
    """Price lists enabled, a company in USD, a EUR currency with rates, a category tree, products,
    customers and a price list per situation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.group_ids += cls.env.ref("product.group_product_pricelist")
        cls.company = cls.env.company
        cls.usd = cls.company.currency_id
        cls.eur = cls.env["res.currency"].with_context(active_test=False).search([("name", "=", "EUR")])
        if cls.usd == cls.eur:
            cls.eur = cls.env["res.currency"].with_context(active_test=False).search([("name", "=", "CHF")])
        cls.eur.active = True
        cls.eur.rate_ids.unlink()
        # 1 USD = 0.5 EUR until February, 1 USD = 0.8 EUR from March 2026.
        cls.env["res.currency.rate"].create(
            [
                {
                    "currency_id": cls.eur.id,
                    "name": date(2026, 1, 1),
                    "rate": 0.5,
                    "company_id": cls.company.id,
                },
                {
                    "currency_id": cls.eur.id,
                    "name": date(2026, 3, 1),
                    "rate": 0.8,
                    "company_id": cls.company.id,
                },
            ]
        )
        cls.unit = cls.env.ref("uom.product_uom_unit")
        cls.dozen = cls.env.ref("uom.product_uom_dozen")
        cls.kg = cls.env.ref("uom.product_uom_kgm")

        cls.categ_services = cls.env["product.category"].create({"name": "Billed services"})
        cls.categ_telecom = cls.env["product.category"].create(
            {"name": "Telecom", "parent_id": cls.categ_services.id}
        )
        cls.categ_other = cls.env["product.category"].create({"name": "Other billed items"})
        Product = cls.env["product.product"]
        cls.phone_units = Product.create(
            {
                "name": "Telephone units",
                "list_price": 10.0,
                "categ_id": cls.categ_telecom.id,
                "uom_id": cls.unit.id,
            }
        )
        cls.sms = Product.create(
            {
                "name": "SMS",
                "list_price": 0.5,
                "categ_id": cls.categ_telecom.id,
                "uom_id": cls.unit.id,
            }
        )
        cls.storage = Product.create(
            {
                "name": "Storage",
                "list_price": 3.0,
                "categ_id": cls.categ_other.id,
                "uom_id": cls.unit.id,
            }
        )

        cls.pricelist = cls.env["product.pricelist"].create(
            {"name": "Usage customers", "currency_id": cls.usd.id}
        )
        cls.customer = cls.env["res.partner"].create({"name": "Usage Customer"})
        cls.customer.property_product_pricelist = cls.pricelist

    @classmethod
    def add_rules(cls, pricelist, *rules):
        pricelist.write({"item_ids": [Command.create(values) for values in rules]})
        return pricelist.item_ids.sorted("id")[-len(rules) :]

    def resolve(self, **request):
        request.setdefault("partner_id", self.customer.id)
        request.setdefault("product_id", self.phone_units.id)
        request.setdefault("quantity", 1.0)
        request.setdefault("date", date(2026, 3, 15))
        return self.env["product.pricelist"].resolve_billing_prices([request])[0]
