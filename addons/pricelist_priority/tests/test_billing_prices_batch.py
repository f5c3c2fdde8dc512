import logging
from datetime import date
from unittest.mock import patch

from odoo.fields import Command
from odoo.tests import tagged

from .common import BillingPriceCase

CUSTOMERS = 500
PRODUCTS = 200
_logger = logging.getLogger(__name__)
DATES = [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)]


@tagged("post_install", "-at_install")
class TestBillingPricesBatch(BillingPriceCase):
    """10,000 requests over 500 customers and 200 products: the number of queries depends on the
    customers, products, price lists and dates involved, never on the number of requests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.products = cls.env["product.product"].create(
            [
                {
                    "name": f"Metered item {number}",
                    "list_price": 1.0 + number,
                    "categ_id": (cls.categ_telecom if number % 2 else cls.categ_other).id,
                }
                for number in range(PRODUCTS)
            ]
        )
        Pricelist = cls.env["product.pricelist"]
        usd_list = Pricelist.create(
            {
                "name": "Batch USD",
                "item_ids": [
                    Command.create(
                        {"applied_on": "0_product_variant", "product_id": product.id, "fixed_price": 0.0}
                    )
                    for product in cls.products[:50]
                ]
                + [
                    Command.create(
                        {
                            "applied_on": "0_product_variant",
                            "product_id": product.id,
                            "fixed_price": 2.0,
                            "min_quantity": 40,
                        }
                    )
                    for product in cls.products[:50]
                ]
                + [
                    Command.create(
                        {
                            "applied_on": "2_product_category",
                            "categ_id": cls.categ_telecom.id,
                            "compute_price": "percentage",
                            "percent_price": 10,
                        }
                    )
                ],
            }
        )
        eur_list = Pricelist.create(
            {
                "name": "Batch EUR",
                "currency_id": cls.eur.id,
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "3_global",
                            "compute_price": "formula",
                            "base": "pricelist",
                            "base_pricelist_id": usd_list.id,
                            "price_discount": 5,
                        }
                    ),
                ],
            }
        )
        catalog_list = Pricelist.create({"name": "Batch catalog"})
        cls.pricelists = usd_list + eur_list + catalog_list
        cls.customers = cls.env["res.partner"].create(
            [{"name": f"Customer {number}"} for number in range(CUSTOMERS)]
        )
        for index, pricelist in enumerate(cls.pricelists):
            cls.customers[index :: len(cls.pricelists)].property_product_pricelist = pricelist
        cls.env.flush_all()

    def make_requests(self, count):
        """From 1,500 requests on, every customer, product, date and conversion appears."""
        return [
            {
                "partner_id": self.customers[number % CUSTOMERS].id,
                "product_id": self.products[(number * 7) % PRODUCTS].id,
                "quantity": float(number % 60),
                "date": DATES[(number // CUSTOMERS) % len(DATES)],
                "explicit_price": 1.25 if number % 10 == 0 else None,
                "uom_id": self.dozen.id if number % 13 == 0 else None,
                "currency_id": self.usd.id if number % 17 == 0 else None,
            }
            for number in range(count)
        ]

    def count_queries(self, requests):
        self.env.invalidate_all()
        self.env.flush_all()
        before = self.cr.sql_log_count
        results = self.env["product.pricelist"].resolve_billing_prices(requests)
        return self.cr.sql_log_count - before, results

    def test_query_count_does_not_grow_with_requests(self):
        self.count_queries(self.make_requests(1500))  # warms the registry caches (precisions, groups)
        queries_1500, results_1500 = self.count_queries(self.make_requests(1500))
        Rule = type(self.env["product.pricelist.item"])
        with patch.object(Rule, "search", autospec=True, side_effect=Rule.search) as rule_search:
            queries_10000, results_10000 = self.count_queries(self.make_requests(10000))
        self.assertEqual(len(results_10000), 10000)
        self.assertEqual(results_10000[:1500], results_1500)
        # Same queries for 1,500 and 10,000 requests; the rules of the three price lists in one search.
        self.assertEqual(queries_10000, queries_1500)
        self.assertEqual(rule_search.call_count, 1)
        # About one query per model read (partners, products, price lists, rules, rates per date).
        self.assertLessEqual(queries_10000, 30)
        _logger.info("10,000 billing prices resolved with %s queries", queries_10000)

    def test_batch_results(self):
        requests = self.make_requests(10000)
        results = self.env["product.pricelist"].resolve_billing_prices(requests)
        usd_list, eur_list, catalog_list = self.pricelists
        by_pricelist = {pricelist: [] for pricelist in self.pricelists}
        for request, result in zip(requests, results, strict=True):
            customer_pricelist = self.customers.browse(request["partner_id"]).property_product_pricelist
            by_pricelist[customer_pricelist].append((request, result))
        # Requests of customers on the catalog list only give explicit or catalog prices.
        self.assertEqual(
            {result["source"] for __, result in by_pricelist[catalog_list]}, {"explicit", "catalog"}
        )
        # The EUR list has a global rule: every non-explicit price comes from it, in EUR by default.
        eur_rule = eur_list.item_ids
        for request, result in by_pricelist[eur_list]:
            if request["explicit_price"] is not None:
                self.assertEqual(result["source"], "explicit")
                continue
            self.assertEqual((result["source"], result["rule_id"]), ("pricelist", eur_rule.id))
            expected_currency = self.usd if request["currency_id"] else self.eur
            self.assertEqual(result["currency_id"], expected_currency.id)
        # One request checked against a single resolution: product 0 (fixed 0, or 2 from 40 units).
        first_product = self.products[0]
        for request, result in by_pricelist[usd_list]:
            if request["product_id"] == first_product.id and request["explicit_price"] is None:
                per_unit = 2.0 if request["quantity"] * (12 if request["uom_id"] else 1) >= 40 else 0.0
                expected = per_unit * (12 if request["uom_id"] else 1)
                self.assertEqual((result["price"], result["source"]), (expected, "pricelist"))
