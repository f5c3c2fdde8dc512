from datetime import date, datetime

from odoo.fields import Command
from odoo.tests import tagged

from .common import BillingPriceCase


@tagged("post_install", "-at_install")
class TestResolveBillingPrices(BillingPriceCase):
    def test_explicit_zero_beats_price_list_price(self):
        self.add_rules(
            self.pricelist,
            {"applied_on": "0_product_variant", "product_id": self.phone_units.id, "fixed_price": 7.0},
        )
        result = self.resolve(explicit_price=0.0)
        self.assertEqual(
            result, {"price": 0.0, "source": "explicit", "rule_id": False, "currency_id": self.usd.id}
        )

    def test_explicit_none_or_absent_is_no_explicit_price(self):
        (rule,) = self.add_rules(
            self.pricelist,
            {"applied_on": "0_product_variant", "product_id": self.phone_units.id, "fixed_price": 7.0},
        )
        for result in (self.resolve(explicit_price=None), self.resolve()):
            self.assertEqual(
                result, {"price": 7.0, "source": "pricelist", "rule_id": rule.id, "currency_id": self.usd.id}
            )

    def test_rule_fixed_at_zero_beats_catalog_price(self):
        (rule,) = self.add_rules(
            self.pricelist,
            {
                "applied_on": "1_product",
                "product_tmpl_id": self.phone_units.product_tmpl_id.id,
                "fixed_price": 0.0,
            },
        )
        result = self.resolve()
        self.assertEqual(
            result, {"price": 0.0, "source": "pricelist", "rule_id": rule.id, "currency_id": self.usd.id}
        )

    def test_no_matching_rule_gives_catalog_price(self):
        self.add_rules(
            self.pricelist, {"applied_on": "0_product_variant", "product_id": self.sms.id, "fixed_price": 0.1}
        )
        result = self.resolve()
        self.assertEqual(
            result, {"price": 10.0, "source": "catalog", "rule_id": False, "currency_id": self.usd.id}
        )

    def test_date_limited_rule(self):
        # A rule entered in Paris for March: its bounds are stored in UTC, as the web client stores them.
        (march_rule,) = self.add_rules(
            self.pricelist,
            {
                "applied_on": "0_product_variant",
                "product_id": self.phone_units.id,
                "fixed_price": 6.0,
                "date_start": datetime(2026, 2, 28, 23, 0),
                "date_end": datetime(2026, 3, 31, 21, 59, 59),
            },
        )
        before, first_day, last_day, after = (
            self.env["product.pricelist"]
            .with_context(tz="Europe/Paris")
            .resolve_billing_prices(
                [
                    {
                        "partner_id": self.customer.id,
                        "product_id": self.phone_units.id,
                        "quantity": 1,
                        "date": day,
                    }
                    for day in (date(2026, 2, 28), date(2026, 3, 1), "2026-03-31", date(2026, 4, 1))
                ]
            )
        )
        self.assertEqual((before["price"], before["source"]), (10.0, "catalog"))
        self.assertEqual(
            (first_day["price"], first_day["source"], first_day["rule_id"]), (6.0, "pricelist", march_rule.id)
        )
        self.assertEqual(
            (last_day["price"], last_day["source"], last_day["rule_id"]), (6.0, "pricelist", march_rule.id)
        )
        self.assertEqual((after["price"], after["source"]), (10.0, "catalog"))

    def test_category_and_global_rules(self):
        product_rule, category_rule, global_rule = self.add_rules(
            self.pricelist,
            {"applied_on": "0_product_variant", "product_id": self.sms.id, "fixed_price": 0.2},
            {
                "applied_on": "2_product_category",
                "categ_id": self.categ_services.id,
                "compute_price": "percentage",
                "percent_price": 50,
            },
            {"applied_on": "3_global", "fixed_price": 1.0},
        )
        sms, phone, storage = self.env["product.pricelist"].resolve_billing_prices(
            [
                {
                    "partner_id": self.customer.id,
                    "product_id": product.id,
                    "quantity": 1,
                    "date": date(2026, 3, 15),
                }
                for product in (self.sms, self.phone_units, self.storage)
            ]
        )
        # The variant rule wins over the category rule; the parent category's rule covers its children.
        self.assertEqual((sms["price"], sms["rule_id"]), (0.2, product_rule.id))
        self.assertEqual(
            (phone["price"], phone["source"], phone["rule_id"]), (5.0, "pricelist", category_rule.id)
        )
        self.assertEqual(
            (storage["price"], storage["source"], storage["rule_id"]), (1.0, "pricelist", global_rule.id)
        )

    def test_minimum_quantity_tier_on_cumulated_quantity(self):
        base_rule, tier_rule = self.add_rules(
            self.pricelist,
            {"applied_on": "0_product_variant", "product_id": self.phone_units.id, "fixed_price": 9.0},
            {
                "applied_on": "0_product_variant",
                "product_id": self.phone_units.id,
                "fixed_price": 8.0,
                "min_quantity": 50,
            },
        )
        below, reached, cumulated = self.env["product.pricelist"].resolve_billing_prices(
            [
                {
                    "partner_id": self.customer.id,
                    "product_id": self.phone_units.id,
                    "quantity": quantity,
                    "date": date(2026, 3, 15),
                }
                for quantity in (20, 50, 20 + 20 + 20)
            ]
        )
        self.assertEqual((below["price"], below["rule_id"]), (9.0, base_rule.id))
        self.assertEqual((reached["price"], reached["rule_id"]), (8.0, tier_rule.id))
        self.assertEqual((cumulated["price"], cumulated["rule_id"]), (8.0, tier_rule.id))

    def test_tier_only_rule_below_minimum_gives_catalog_price(self):
        self.add_rules(
            self.pricelist,
            {
                "applied_on": "0_product_variant",
                "product_id": self.phone_units.id,
                "fixed_price": 8.0,
                "min_quantity": 50,
            },
        )
        self.assertEqual(self.resolve(quantity=49)["source"], "catalog")
        self.assertEqual(self.resolve(quantity=49)["price"], 10.0)

    def test_another_currency_at_the_rate_of_the_date(self):
        (rule,) = self.add_rules(
            self.pricelist,
            {"applied_on": "0_product_variant", "product_id": self.phone_units.id, "fixed_price": 10.0},
        )
        february = self.resolve(currency_id=self.eur.id, date=date(2026, 2, 10))
        march = self.resolve(currency_id=self.eur.id, date=date(2026, 3, 10))
        self.assertEqual(
            february, {"price": 5.0, "source": "pricelist", "rule_id": rule.id, "currency_id": self.eur.id}
        )
        self.assertEqual(
            march, {"price": 8.0, "source": "pricelist", "rule_id": rule.id, "currency_id": self.eur.id}
        )

    def test_price_list_currency_is_the_default_currency(self):
        eur_pricelist = self.env["product.pricelist"].create(
            {"name": "Euro customers", "currency_id": self.eur.id}
        )
        (rule,) = self.add_rules(
            eur_pricelist,
            {"applied_on": "0_product_variant", "product_id": self.phone_units.id, "fixed_price": 4.0},
        )
        self.customer.property_product_pricelist = eur_pricelist
        self.assertEqual(
            self.resolve(),
            {"price": 4.0, "source": "pricelist", "rule_id": rule.id, "currency_id": self.eur.id},
        )
        # Catalog price (10 USD) converted into the price list's currency at March's rate.
        self.assertEqual(
            self.resolve(product_id=self.storage.id),
            {"price": 2.4, "source": "catalog", "rule_id": False, "currency_id": self.eur.id},
        )
        # Asked in USD: the 4 EUR rule converted back at March's rate.
        self.assertEqual(self.resolve(currency_id=self.usd.id)["price"], 5.0)

    def test_explicit_price_is_in_the_requested_currency(self):
        result = self.resolve(explicit_price=3.5, currency_id=self.eur.id)
        self.assertEqual(
            result, {"price": 3.5, "source": "explicit", "rule_id": False, "currency_id": self.eur.id}
        )

    def test_unit_of_measure_conversion(self):
        base_rule, tier_rule = self.add_rules(
            self.pricelist,
            {"applied_on": "0_product_variant", "product_id": self.phone_units.id, "fixed_price": 2.0},
            {
                "applied_on": "0_product_variant",
                "product_id": self.phone_units.id,
                "fixed_price": 1.5,
                "min_quantity": 24,
            },
        )
        one_dozen = self.resolve(uom_id=self.dozen.id, quantity=1)
        two_dozens = self.resolve(uom_id=self.dozen.id, quantity=2)
        catalog_dozen = self.resolve(uom_id=self.dozen.id, product_id=self.storage.id)
        self.assertEqual((one_dozen["price"], one_dozen["rule_id"]), (24.0, base_rule.id))
        # 2 dozens are 24 units: the tier is reached, the unit price is per dozen.
        self.assertEqual((two_dozens["price"], two_dozens["rule_id"]), (18.0, tier_rule.id))
        self.assertEqual((catalog_dozen["price"], catalog_dozen["source"]), (36.0, "catalog"))

    def test_customer_without_price_list(self):
        self.env["product.pricelist"].search([]).action_archive()
        self.env["ir.config_parameter"].sudo().search(
            [("key", "like", "res.partner.property_product_pricelist")]
        ).unlink()
        customer = self.env["res.partner"].create({"name": "No price list"})
        self.assertFalse(customer.property_product_pricelist)
        result = self.resolve(partner_id=customer.id)
        self.assertEqual(
            result, {"price": 10.0, "source": "catalog", "rule_id": False, "currency_id": self.usd.id}
        )
        in_eur = self.resolve(partner_id=customer.id, currency_id=self.eur.id)
        self.assertEqual((in_eur["price"], in_eur["currency_id"]), (8.0, self.eur.id))

    def test_price_lists_disabled_gives_catalog_price(self):
        self.add_rules(self.pricelist, {"applied_on": "3_global", "fixed_price": 1.0})
        # Off as the setting turns it off: no internal user gets the group through another one any more
        # (the demo data turns price lists on), nor has it of its own.
        group = self.env.ref("product.group_product_pricelist")
        self.env.ref("base.group_user")._remove_group(group)
        self.env.user.group_ids -= group
        self.assertEqual(
            self.resolve(), {"price": 10.0, "source": "catalog", "rule_id": False, "currency_id": self.usd.id}
        )

    def test_formula_rule_based_on_another_price_list(self):
        partner_pricelist = self.env["product.pricelist"].create({"name": "Partner discount"})
        self.add_rules(
            self.pricelist,
            {"applied_on": "0_product_variant", "product_id": self.phone_units.id, "fixed_price": 8.0},
        )
        (formula_rule,) = self.add_rules(
            partner_pricelist,
            {
                "applied_on": "3_global",
                "compute_price": "formula",
                "base": "pricelist",
                "base_pricelist_id": self.pricelist.id,
                "price_discount": 25,
                "price_surcharge": 0.5,
            },
        )
        self.customer.property_product_pricelist = partner_pricelist
        phone, storage = self.env["product.pricelist"].resolve_billing_prices(
            [
                {
                    "partner_id": self.customer.id,
                    "product_id": product.id,
                    "quantity": 1,
                    "date": date(2026, 3, 15),
                }
                for product in (self.phone_units, self.storage)
            ]
        )
        # 8 (rule of the base price list) - 25 % + 0.5
        self.assertEqual(
            phone,
            {"price": 6.5, "source": "pricelist", "rule_id": formula_rule.id, "currency_id": self.usd.id},
        )
        # No rule in the base price list: its base is the catalog price, 3 - 25 % + 0.5
        self.assertEqual(
            storage,
            {"price": 2.75, "source": "pricelist", "rule_id": formula_rule.id, "currency_id": self.usd.id},
        )

    def test_rule_of_another_company_never_applies(self):
        other_company = self.env["res.company"].create(
            {"name": "Other billing company", "currency_id": self.usd.id}
        )
        other_pricelist = self.env["product.pricelist"].create(
            {"name": "Other company prices", "company_id": other_company.id}
        )
        self.add_rules(
            other_pricelist,
            {"applied_on": "0_product_variant", "product_id": self.phone_units.id, "fixed_price": 1.0},
        )
        # A stale company-specific setting pointing at the other company's price list.
        self.customer.with_company(self.company).sudo().specific_property_product_pricelist = other_pricelist
        self.customer.with_company(other_company).sudo().specific_property_product_pricelist = other_pricelist
        self.env.user.company_ids += other_company
        here = self.resolve()
        there = self.resolve(company_id=other_company.id)
        self.assertEqual((here["price"], here["source"]), (10.0, "catalog"))
        self.assertEqual((there["price"], there["source"]), (1.0, "pricelist"))

    def test_shared_price_list_with_rule_of_another_company(self):
        other_company = self.env["res.company"].create(
            {"name": "Other billing company", "currency_id": self.usd.id}
        )
        other_product = self.env["product.product"].create(
            {"name": "Other company item", "list_price": 4.0, "company_id": other_company.id}
        )
        shared = self.env["product.pricelist"].create({"name": "Shared", "company_id": False})
        self.add_rules(
            shared, {"applied_on": "0_product_variant", "product_id": other_product.id, "fixed_price": 1.0}
        )
        self.customer.property_product_pricelist = shared
        # The rule belongs to the product's company; billing it in this company uses the catalog price.
        result = self.resolve(product_id=other_product.id)
        self.assertEqual((result["price"], result["source"]), (4.0, "catalog"))

    def test_answers_in_request_order_with_mixed_customers(self):
        (rule,) = self.add_rules(
            self.pricelist, {"applied_on": "0_product_variant", "product_id": self.sms.id, "fixed_price": 0.0}
        )
        other_pricelist = self.env["product.pricelist"].create({"name": "Others"})
        other_customer = self.env["res.partner"].create({"name": "Other customer"})
        other_customer.property_product_pricelist = other_pricelist
        results = self.env["product.pricelist"].resolve_billing_prices(
            [
                {"partner_id": self.customer.id, "product_id": self.sms.id, "quantity": 3},
                {"partner_id": other_customer.id, "product_id": self.sms.id, "quantity": 3},
                {
                    "partner_id": self.customer.id,
                    "product_id": self.sms.id,
                    "quantity": 3,
                    "explicit_price": 0.3,
                },
            ]
        )
        self.assertEqual(
            [(r["price"], r["source"], r["rule_id"]) for r in results],
            [
                (0.0, "pricelist", rule.id),
                (0.5, "catalog", False),
                (0.3, "explicit", False),
            ],
        )

    def test_no_request(self):
        self.assertEqual(self.env["product.pricelist"].resolve_billing_prices([]), [])

    def test_readme_worked_example(self):
        """The table of readme/USAGE.md."""
        tier_rule, sms_rule = self.add_rules(
            self.pricelist,
            {
                "applied_on": "0_product_variant",
                "product_id": self.phone_units.id,
                "fixed_price": 8.0,
                "min_quantity": 50,
            },
            {"applied_on": "0_product_variant", "product_id": self.sms.id, "fixed_price": 0.0},
        )
        rows = [
            (self.phone_units, 10, 0.0, (0.0, "explicit", False)),
            (self.phone_units, 60, None, (8.0, "pricelist", tier_rule.id)),
            (self.phone_units, 20, None, (10.0, "catalog", False)),
            (self.sms, 100, None, (0.0, "pricelist", sms_rule.id)),
            (self.storage, 20, None, (3.0, "catalog", False)),
        ]
        results = self.env["product.pricelist"].resolve_billing_prices(
            [
                {
                    "partner_id": self.customer.id,
                    "product_id": product.id,
                    "quantity": quantity,
                    "explicit_price": rate,
                }
                for product, quantity, rate, __ in rows
            ]
        )
        self.assertEqual(
            [(result["price"], result["source"], result["rule_id"]) for result in results],
            [expected for __, __, __, expected in rows],
        )

    def test_salesperson_and_invoicing_user_can_resolve(self):
        eur_pricelist = self.env["product.pricelist"].create(
            {"name": "Euro customers", "currency_id": self.eur.id}
        )
        (rule,) = self.add_rules(
            eur_pricelist,
            {
                "applied_on": "3_global",
                "compute_price": "formula",
                "base": "pricelist",
                "base_pricelist_id": self.pricelist.id,
                "price_discount": 50,
            },
        )
        self.customer.property_product_pricelist = eur_pricelist
        Users = self.env["res.users"].with_context(no_reset_password=True)
        for login, group in (
            ("billing_salesperson", "sales_team.group_sale_salesman"),
            ("billing_accountant", "account.group_account_invoice"),
        ):
            user = Users.create(
                {
                    "name": login,
                    "login": login,
                    "group_ids": [Command.set([self.env.ref(group).id])],
                }
            )
            (result,) = (
                self.env["product.pricelist"]
                .with_user(user)
                .resolve_billing_prices(
                    [
                        {
                            "partner_id": self.customer.id,
                            "product_id": self.phone_units.id,
                            "quantity": 1,
                            "date": date(2026, 3, 15),
                            "currency_id": self.usd.id,
                        }
                    ]
                )
            )
            # 10 USD catalog - 50 % = 4 EUR at March's rate, asked in USD: 5 USD.
            self.assertEqual(
                result, {"price": 5.0, "source": "pricelist", "rule_id": rule.id, "currency_id": self.usd.id}
            )
