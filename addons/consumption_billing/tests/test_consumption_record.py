from freezegun import freeze_time
from psycopg2.errors import CheckViolation, UniqueViolation

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import ConsumptionCase


@tagged("post_install", "-at_install")
class TestConsumptionRecord(ConsumptionCase):
    @freeze_time("2026-11-22 23:30:00")
    def test_defaults(self):
        values = {"partner_id": self.customer.id, "product_id": self.power.id, "quantity": 3}
        record = self.Record.with_context(tz="Europe/Paris").create(values)
        self.assertEqual(str(record.date), "2026-11-23", "the user's today: the 23rd in Paris")
        self.assertEqual(str(self.Record.with_context(tz="UTC").create(values).date), "2026-11-22")
        self.assertEqual(record.uom_id, self.kwh, "the unit defaults to the product's")
        self.assertEqual(record.company_id, self.company)
        self.assertEqual(record.currency_id, self.company.currency_id)
        self.assertEqual(record.origin, "manual")
        self.assertTrue(record.active)
        self.assertFalse(record.billed)
        self.assertFalse(record.has_rate)

    def test_explicit_rate_zero_versus_no_rate(self):
        with_zero_rate, without_rate = self.Record.create(
            [
                self.record_values(rate=0.0),
                self.record_values(),
            ]
        )
        self.assertTrue(with_zero_rate.has_rate, "passing rate=0.0 is an explicit rate of 0")
        self.assertEqual(with_zero_rate.rate, 0.0)
        self.assertFalse(without_rate.has_rate)
        self.assertEqual(with_zero_rate.price_source_preview, "explicit")
        self.assertEqual(with_zero_rate.amount_preview, 0.0)
        self.assertEqual(without_rate.price_source_preview, "catalog")
        self.assertAlmostEqual(without_rate.amount_preview, 1.0, msg="10 units x 0.10 catalog price")

        without_rate.write({"rate": 0.0})
        self.assertTrue(without_rate.has_rate, "writing a rate, even 0, sets the own rate")
        without_rate.write({"rate": 0.07})
        self.assertAlmostEqual(without_rate.amount_preview, 0.7)
        without_rate.write({"has_rate": False})
        self.assertFalse(without_rate.has_rate)
        self.assertEqual(without_rate.rate, 0.0, "switching the own rate off forgets it")
        self.assertEqual(without_rate.price_source_preview, "catalog")

    def test_amount_preview_from_price_list(self):
        pricelist = self.env["product.pricelist"].create(
            {
                "name": "Telco tiers",
                "company_id": self.company.id,
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "0_product_variant",
                            "product_id": self.phone.id,
                            "compute_price": "fixed",
                            "fixed_price": 0.0,
                        }
                    ),
                    Command.create(
                        {
                            "applied_on": "0_product_variant",
                            "product_id": self.bank.id,
                            "compute_price": "fixed",
                            "fixed_price": 1.5,
                            "min_quantity": 100,
                        }
                    ),
                ],
            }
        )
        self.customer.with_company(self.company).property_product_pricelist = pricelist
        free_phone, few_bank, many_bank = self.Record.create(
            [
                self.record_values(),
                self.record_values(product_id=self.bank.id, quantity=4),
                self.record_values(product_id=self.bank.id, quantity=100),
            ]
        )
        self.assertEqual(
            (free_phone.price_source_preview, free_phone.amount_preview),
            ("pricelist", 0.0),
            "a price-list rule giving 0 beats the catalog price",
        )
        self.assertEqual((few_bank.price_source_preview, few_bank.amount_preview), ("catalog", 8.0))
        self.assertEqual((many_bank.price_source_preview, many_bank.amount_preview), ("pricelist", 150.0))

    def test_amount_preview_is_one_price_resolution_for_many_records(self):
        def queries_to_preview(count):
            records = self.Record.create(
                [
                    self.record_values(quantity=n, partner_id=(self.customer | self.customer_b)[n % 2].id)
                    for n in range(1, count + 1)
                ]
            )
            self.env.invalidate_all()
            queries_before = self.cr.sql_log_count
            amounts = records.mapped("amount_preview")
            self.assertAlmostEqual(sum(amounts), 0.10 * sum(range(1, count + 1)))
            return self.cr.sql_log_count - queries_before

        queries_to_preview(5)  # warms Odoo's caches (price lists, precisions)
        self.assertEqual(queries_to_preview(50), queries_to_preview(5))

    def test_one_unpriceable_record_leaves_the_others_priced(self):
        no_rate = self.env["res.currency"].create({"name": "ZZW", "symbol": "Zw", "rounding": 0.01})
        self.customer.property_product_pricelist = self.env["product.pricelist"].create(
            {"name": "Price list in the company currency", "currency_id": self.company.currency_id.id}
        )
        self.customer_b.property_product_pricelist = self.env["product.pricelist"].create(
            {"name": "Price list in a currency without rate", "currency_id": no_rate.id}
        )
        priced, unpriceable = self.Record.create(
            [
                self.record_values(quantity=10, partner_id=self.customer.id),
                self.record_values(quantity=10, partner_id=self.customer_b.id),
            ]
        )
        self.env.invalidate_all()
        self.assertEqual(
            [(record.price_source_preview, record.amount_preview) for record in priced | unpriceable],
            [("catalog", 1.0), (False, 0.0)],
        )

    def test_unit_converts_into_product_unit(self):
        record = self.Record.create(self.record_values(uom_id=self.pack.id, quantity=2))
        self.assertEqual(record.uom_id, self.pack)
        self.assertAlmostEqual(record.amount_preview, 2 * 6 * 0.10, msg="a pack of 6 is priced as 6 units")
        with self.assertRaisesRegex(ValidationError, "cannot be converted"):
            self.Record.create(self.record_values(uom_id=self.kwh.id))

    @mute_logger("odoo.sql_db")
    def test_quantity_must_be_positive(self):
        for quantity in (0, -5):
            with self.subTest(quantity=quantity), self.assertRaises(CheckViolation), self.cr.savepoint():
                self.Record.create(self.record_values(quantity=quantity))

    @mute_logger("odoo.sql_db")
    def test_negative_rate_refused(self):
        with self.assertRaises(CheckViolation), self.cr.savepoint():
            self.Record.create(self.record_values(rate=-1.0))

    @freeze_time("2026-03-15")
    def test_date_window(self):
        self.Record.create([self.record_values(date="2016-03-15"), self.record_values(date="2027-03-15")])
        for bad_date in ("2016-03-14", "2027-03-16"):
            with self.subTest(date=bad_date), self.assertRaisesRegex(ValidationError, "must be between"):
                self.Record.create(self.record_values(date=bad_date))

    @mute_logger("odoo.sql_db")
    def test_external_ref_unique_per_company(self):
        self.Record.create(self.record_values(external_ref="CDR-1"))
        self.Record.create(self.record_values(external_ref=False))
        self.Record.create(self.record_values(external_ref=False))
        self.Record.with_company(self.other_company).create(
            self.record_values(
                partner_id=self.customer_of_other_company.id,
                external_ref="CDR-1",
                company_id=self.other_company.id,
            )
        )
        with self.assertRaises(UniqueViolation), self.cr.savepoint():
            self.Record.create(self.record_values(external_ref="CDR-1"))
        archived = self.Record.create(self.record_values(external_ref="CDR-2", active=False))
        self.assertFalse(archived.active)
        with self.assertRaises(UniqueViolation), self.cr.savepoint():
            self.Record.create(self.record_values(external_ref="CDR-2"))

    def test_combo_product_refused(self):
        choice = self.env["product.combo"].create(
            {
                "name": "Phone choice",
                "combo_item_ids": [Command.create({"product_id": self.phone.id})],
            }
        )
        combo = self.env["product.product"].create(
            {
                "name": "Bundle",
                "type": "combo",
                "combo_ids": [Command.link(choice.id)],
            }
        )
        with self.assertRaisesRegex(ValidationError, "combo product"):
            self.Record.create(self.record_values(product_id=combo.id))

    def _posted_invoice(self):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": "2026-03-31",
                "invoice_line_ids": [
                    Command.create({"product_id": self.phone.id, "quantity": 10, "price_unit": 0.1})
                ],
            }
        )
        invoice.action_post()
        return invoice

    def test_billed_record_is_frozen_but_can_be_archived(self):
        record = self.Record.create(self.record_values())
        invoice = self._posted_invoice()
        record.write({"invoice_id": invoice.id, "billed": True, "description": "March calls"})
        self.assertTrue(record.is_locked)

        for values in (
            {"quantity": 11},
            {"rate": 0.5},
            {"partner_id": self.customer_b.id},
            {"billed": False},
            {"invoice_id": False},
            {"date": "2026-03-11"},
            {"description": "March calls (mobile)"},
        ):
            with self.subTest(values=values), self.assertRaisesRegex(UserError, "posted invoice"):
                record.write(values)
        with self.assertRaisesRegex(UserError, "posted invoice"):
            record.unlink()

        self.assertEqual(record.description, "March calls", "what the posted invoice's statement prints")
        record.action_archive()
        self.assertFalse(record.active)
        self.assertEqual(record.quantity, 10)

        invoice.button_draft()
        self.assertFalse(record.is_locked, "reset to draft: the record can be corrected again")
        record.write({"quantity": 12})
        self.assertEqual(record.quantity, 12)

    def test_unbilled_record_can_be_edited_and_deleted(self):
        record = self.Record.create(self.record_values())
        record.write({"quantity": 15, "product_id": self.bank.id, "billed": True})
        self.assertEqual((record.quantity, record.product_id), (15, self.bank))
        record.unlink()
        self.assertFalse(record.exists())

    def test_form_toggle_makes_own_rate_explicit(self):
        form = Form(self.Record)
        form.partner_id = self.customer
        form.product_id = self.power
        form.quantity = 100
        self.assertEqual(form.uom_id, self.kwh)
        self.assertFalse(form.has_rate)
        record = form.save()
        self.assertFalse(record.has_rate, "the form's untouched rate (0.0) is not an explicit rate")
        with Form(record) as form:
            form.has_rate = True
            form.rate = 0.0
        self.assertTrue(record.has_rate)
        self.assertEqual(record.price_source_preview, "explicit")
        self.assertEqual(record.amount_preview, 0.0)

    def test_partner_consumption_smart_button(self):
        self.Record.create(
            [
                self.record_values(),
                self.record_values(partner_id=self.contact.id),
                self.record_values(partner_id=self.customer_b.id),
            ]
        )
        self.assertEqual(self.customer.consumption_count, 2, "the company counts its contacts' records")
        self.assertEqual(self.contact.consumption_count, 1)
        action = self.customer.action_view_consumption()
        self.assertEqual(len(self.Record.search(action["domain"])), 2)
        self.assertEqual(action["context"]["default_partner_id"], self.customer.id)

    def test_billing_fields_of_sale_and_invoice_lines(self):
        record = self.Record.create(self.record_values())
        # As the billing engine creates it: only the engine links records to lines.
        engine_context = self.env["consumption.billing"]._engine_context()
        order = (
            self.env["sale.order"]
            .with_context(**engine_context)
            .create(
                {
                    "partner_id": self.customer.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.phone.id,
                                "product_uom_qty": 10,
                                "consumption_record_ids": [Command.set(record.ids)],
                            }
                        )
                    ],
                }
            )
        )
        self.assertEqual(record.sale_line_id, order.order_line)
        self.assertEqual(order.order_line.consumption_record_ids, record)
        order.order_line.unlink()
        self.assertFalse(record.sale_line_id, "deleting the line releases the record (ondelete set null)")

    def test_amount_preview_summed_in_grouped_views(self):
        self.Record.create(
            [
                self.record_values(quantity=10),
                self.record_values(quantity=30, date="2026-04-02"),
                self.record_values(product_id=self.bank.id, quantity=3, rate=1.0),
            ]
        )
        self.assertEqual(self.Record.fields_get(["amount_preview"])["amount_preview"]["aggregator"], "sum")
        domain = [("partner_id", "=", self.customer.id)]
        groups = self.Record.formatted_read_group(
            domain, ["product_id"], ["amount_preview:sum", "quantity:sum"]
        )
        by_product = {group["product_id"][0]: group for group in groups}
        self.assertAlmostEqual(by_product[self.phone.id]["amount_preview:sum"], 4.0)
        self.assertEqual(by_product[self.phone.id]["quantity:sum"], 40)
        self.assertAlmostEqual(by_product[self.bank.id]["amount_preview:sum"], 3.0)
        pivot = self.Record.formatted_read_grouping_sets(
            domain, [["product_id", "date:month"], []], ["amount_preview:sum"]
        )
        self.assertAlmostEqual(pivot[1][0]["amount_preview:sum"], 7.0, msg="grand total")
        months = {
            group["date:month"][1]: group["amount_preview:sum"]
            for group in pivot[0]
            if group["product_id"][0] == self.phone.id
        }
        self.assertEqual(sorted(months.values()), [1.0, 3.0])
