from datetime import date

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ConsumptionCase


@tagged("post_install", "-at_install")
class TestConsumptionBillingEngine(ConsumptionCase):
    """The engine alone: selection, aggregation, prices, names."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Engine = cls.env["consumption.billing"]

    def request(self, **values):
        return {
            "partner_id": self.customer.id,
            "company_id": self.company.id,
            "date_from": date(2026, 3, 1),
            "date_to": date(2026, 3, 31),
            **values,
        }

    def bill(self, **values):
        return self.Engine._prepare_billing([self.request(**values)])[0]

    def test_one_line_per_product_with_cumulated_quantity(self):
        phone = self.Record.create(
            [
                self.record_values(date="2026-03-01", quantity=10),
                self.record_values(date="2026-03-10", quantity=20, partner_id=self.contact.id),
                self.record_values(date="2026-03-31", quantity=30),
            ]
        )
        bank = self.Record.create(self.record_values(product_id=self.bank.id, quantity=4))
        lines = self.bill()
        self.assertEqual(
            [line["product_id"] for line in lines], [self.bank.id, self.phone.id], "sorted by product"
        )
        bank_line, phone_line = lines
        self.assertEqual(phone_line["quantity"], 60, "the contact's consumption counts for the company")
        self.assertEqual(sorted(phone_line["record_ids"]), sorted(phone.ids))
        self.assertEqual((phone_line["price_unit"], phone_line["price_source"]), (0.10, "catalog"))
        self.assertEqual(phone_line["uom_id"], self.unit.id)
        self.assertEqual(phone_line["name"], "Phone units, March 2026 (3 records)")
        self.assertEqual(
            (phone_line["date_from"], phone_line["date_to"]), (date(2026, 3, 1), date(2026, 3, 31))
        )
        self.assertEqual(bank_line["record_ids"], bank.ids)
        self.assertEqual(bank_line["name"], "Bank charges, March 2026 (1 record)")

    def test_month_grouping(self):
        self.Record.create(
            [
                self.record_values(date="2026-02-20", quantity=1),
                self.record_values(date="2026-03-05", quantity=2),
                self.record_values(date="2026-03-25", quantity=3),
                self.record_values(date="2026-04-02", quantity=4),
                self.record_values(product_id=self.bank.id, date="2026-04-30", quantity=5),
            ]
        )
        lines = self.bill(date_from=date(2026, 3, 1), date_to=date(2026, 4, 15), grouping="month")
        self.assertEqual(
            [(line["product_id"], line["quantity"], line["date_from"], line["date_to"]) for line in lines],
            [
                (self.phone.id, 5, date(2026, 3, 1), date(2026, 3, 31)),
                (self.phone.id, 4, date(2026, 4, 1), date(2026, 4, 15)),
            ],
            "records outside the range are left out; a month cut by the range ends with it",
        )
        self.assertEqual(lines[0]["name"], "Phone units, March 2026 (2 records)")
        self.assertIn("Apr 1, 2026", lines[1]["name"])

    def test_highest_rate_among_the_records_applies_to_the_line(self):
        self.Record.create(
            [
                self.record_values(quantity=10, rate=0.15),
                self.record_values(quantity=10, rate=0.05),
                self.record_values(quantity=10),
            ]
        )
        [line] = self.bill()
        self.assertEqual((line["quantity"], line["price_unit"], line["price_source"]), (30, 0.15, "explicit"))

    def test_price_list_rate_above_own_rates_wins(self):
        self.Record.create([self.record_values(quantity=10, rate=0.05), self.record_values(quantity=10)])
        [line] = self.bill()
        self.assertEqual((line["price_unit"], line["price_source"]), (0.10, "catalog"))

    def _tier_price_list(self):
        pricelist = self.env["product.pricelist"].create(
            {
                "name": "Volume",
                "company_id": self.company.id,
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "0_product_variant",
                            "product_id": self.phone.id,
                            "compute_price": "fixed",
                            "fixed_price": 0.08,
                            "min_quantity": 50,
                        }
                    ),
                    Command.create(
                        {
                            "applied_on": "0_product_variant",
                            "product_id": self.bank.id,
                            "compute_price": "fixed",
                            "fixed_price": 1.5,
                        }
                    ),
                ],
            }
        )
        self.customer.with_company(self.company).property_product_pricelist = pricelist
        return pricelist

    def test_tier_reached_by_the_cumulated_quantity(self):
        pricelist = self._tier_price_list()
        self.Record.create([self.record_values(quantity=20) for _index in range(3)])
        [line] = self.bill()
        self.assertEqual(
            (line["price_unit"], line["price_source"]),
            (0.08, "pricelist"),
            "60 units in three records reach the 'from 50 units' tier",
        )
        self.assertEqual(line["rule_id"], pricelist.item_ids[0].id)

    def test_explicit_price_list_and_catalog_in_one_bill(self):
        self._tier_price_list()
        self.Record.create(
            [
                self.record_values(quantity=10, rate=0.2),
                self.record_values(product_id=self.bank.id, quantity=2),
                self.record_values(product_id=self.power.id, quantity=100),
            ]
        )
        lines = {line["product_id"]: line for line in self.bill()}
        self.assertEqual(
            (lines[self.phone.id]["price_unit"], lines[self.phone.id]["price_source"]), (0.2, "explicit")
        )
        self.assertEqual(
            (lines[self.bank.id]["price_unit"], lines[self.bank.id]["price_source"]), (1.5, "pricelist")
        )
        self.assertEqual(
            (lines[self.power.id]["price_unit"], lines[self.power.id]["price_source"]), (0.25, "catalog")
        )

    def test_units_are_converted_into_the_product_unit(self):
        self.Record.create(
            [
                self.record_values(quantity=2, uom_id=self.pack.id, rate=0.9),
                self.record_values(quantity=3),
            ]
        )
        [line] = self.bill()
        self.assertEqual((line["quantity"], line["uom_id"]), (15, self.unit.id), "2 packs of 6 + 3 units")
        self.assertEqual(
            (line["price_unit"], line["price_source"]),
            (0.15, "explicit"),
            "0.90 per pack of 6 is 0.15 per unit, above the 0.10 catalog price",
        )

    def test_only_unbilled_records_of_the_customer_company_and_period(self):
        wanted = self.Record.create(self.record_values())
        self.Record.create(
            [
                self.record_values(billed=True),
                self.record_values(active=False),
                self.record_values(date="2026-04-01"),
                self.record_values(partner_id=self.customer_b.id),
            ]
        )
        self.Record.with_company(self.other_company).create(
            self.record_values(
                partner_id=self.customer_of_other_company.id,
                company_id=self.other_company.id,
            )
        )
        order = self.env["sale.order"].create({"partner_id": self.customer.id})
        # Reserved by an order line, as only the engine links records.
        self.Record.with_context(**self.Engine._engine_context()).create(
            self.record_values(
                sale_line_id=self.env["sale.order.line"]
                .create(
                    {
                        "order_id": order.id,
                        "product_id": self.phone.id,
                    }
                )
                .id
            )
        )
        [line] = self.bill()
        self.assertEqual(line["record_ids"], wanted.ids)

    def test_extra_domain(self):
        self.Record.create([self.record_values(), self.record_values(product_id=self.bank.id)])
        lines = self.bill(domain=[("product_id", "=", self.bank.id)])
        self.assertEqual([line["product_id"] for line in lines], [self.bank.id])

    def test_a_record_is_on_one_request_only(self):
        record = self.Record.create(self.record_values())
        first, second = self.Engine._prepare_billing(
            [self.request(), self.request(partner_id=self.contact.id)]
        )
        self.assertEqual(first[0]["record_ids"], record.ids)
        self.assertEqual(second, [])

    def test_several_customers_in_one_call(self):
        self.Record.create(
            [self.record_values(), self.record_values(partner_id=self.customer_b.id, quantity=7)]
        )
        alpha, beta, nobody = self.Engine._prepare_billing(
            [
                self.request(),
                self.request(partner_id=self.customer_b.id),
                self.request(partner_id=self.env["res.partner"].create({"name": "Idle"}).id),
            ]
        )
        self.assertEqual((len(alpha), len(beta), nobody), (1, 1, []))
        self.assertEqual(beta[0]["quantity"], 7)

    def test_query_count_does_not_grow_with_records(self):
        def queries_to_bill(count):
            customer = self.env["res.partner"].create({"name": f"Volume {count}"})
            self.Record.create(
                [
                    self.record_values(
                        partner_id=customer.id,
                        quantity=1 + n % 5,
                        product_id=(self.phone | self.bank)[n % 2].id,
                    )
                    for n in range(count)
                ]
            )
            self.env.invalidate_all()
            queries_before = self.cr.sql_log_count
            [lines] = self.Engine._prepare_billing([self.request(partner_id=customer.id)])
            self.assertEqual(sum(len(line["record_ids"]) for line in lines), count)
            return self.cr.sql_log_count - queries_before

        queries_to_bill(4)
        self.assertEqual(queries_to_bill(200), queries_to_bill(10))

    def test_names_in_the_customer_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.customer.lang = "fr_FR"
        self.Record.create([self.record_values(), self.record_values()])
        [line] = self.bill()
        self.assertIn("mars 2026", line["name"])

    def test_bad_requests(self):
        with self.assertRaisesRegex(UserError, "ends .* before it starts"):
            self.bill(date_from=date(2026, 3, 31), date_to=date(2026, 3, 1))
        with self.assertRaisesRegex(UserError, "grouping"):
            self.bill(grouping="week")
        with self.assertRaisesRegex(UserError, "partner_id is required"):
            self.bill(partner_id=False)

    def test_readme_worked_example(self):
        """readme/USAGE.md: 'The pricing rule, with a worked example'."""
        self.phone.list_price = 0.12
        pricelist = self.env["product.pricelist"].create(
            {
                "name": "Alpha",
                "company_id": self.company.id,
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "0_product_variant",
                            "product_id": self.phone.id,
                            "compute_price": "fixed",
                            "fixed_price": 0.08,
                            "min_quantity": 500,
                        }
                    )
                ],
            }
        )
        self.customer.with_company(self.company).property_product_pricelist = pricelist
        _first, _second, third = self.Record.create(
            [
                self.record_values(date="2026-03-03", quantity=200),
                self.record_values(date="2026-03-17", quantity=250),
                self.record_values(date="2026-03-28", quantity=100, rate=0.10),
            ]
        )
        [line] = self.Engine._prepare_billing([self.request()], lock=False)[0]
        self.assertEqual(
            (line["quantity"], line["price_unit"], line["price_source"]), (550, 0.10, "explicit")
        )
        third.has_rate = False
        [line] = self.Engine._prepare_billing([self.request()], lock=False)[0]
        self.assertEqual((line["price_unit"], line["price_source"]), (0.08, "pricelist"))
        third.active = False
        [line] = self.Engine._prepare_billing([self.request()], lock=False)[0]
        self.assertEqual((line["quantity"], line["price_unit"], line["price_source"]), (450, 0.12, "catalog"))
