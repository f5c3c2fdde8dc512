from datetime import date

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import BillingPriceCase


@tagged("post_install", "-at_install")
class TestBillingRequestErrors(BillingPriceCase):
    def good_request(self, **values):
        return {"partner_id": self.customer.id, "product_id": self.phone_units.id, "quantity": 2.0, **values}

    def assert_rejected(self, bad_request, *expected_parts):
        """The bad request, sent second, is rejected with a message naming its index and field."""
        with self.assertRaises(ValidationError) as caught:
            self.env["product.pricelist"].resolve_billing_prices([self.good_request(), bad_request])
        message = str(caught.exception)
        for part in ("Request 1, field", *expected_parts):
            self.assertIn(part, message)
        self.assertNotIn("Request 0", message)
        return message

    def test_unknown_partner(self):
        missing_id = self.env["res.partner"].search([], order="id desc", limit=1).id + 1000
        self.assert_rejected(self.good_request(partner_id=missing_id), "partner_id", str(missing_id))

    def test_unknown_product(self):
        missing_id = self.env["product.product"].search([], order="id desc", limit=1).id + 1000
        self.assert_rejected(self.good_request(product_id=missing_id), "product_id", str(missing_id))

    def test_missing_or_mistyped_values(self):
        self.assert_rejected(
            {"product_id": self.phone_units.id, "quantity": 1}, "field partner_id", "required"
        )
        self.assert_rejected(self.good_request(product_id="12"), "field product_id", "record id")
        self.assert_rejected(self.good_request(quantity=None), "field quantity", "number")
        self.assert_rejected(self.good_request(date="31/03/2026"), "field date", "YYYY-MM-DD")
        self.assert_rejected(self.good_request(explicit_price="free"), "field explicit_price", "number")
        self.assert_rejected(["not", "a", "dict"], "field request", "dictionary")

    def test_negative_quantity(self):
        self.assert_rejected(self.good_request(quantity=-3), "field quantity", "zero or positive")

    def test_not_a_number_infinite_or_huge(self):
        """A typo or an overflow never becomes a price: refused with the request's index and field."""
        for field_name in ("quantity", "explicit_price"):
            for value in (float("nan"), float("inf"), float("-inf"), 1.5e12, 10**400):
                with self.subTest(field=field_name, value=value):
                    self.assert_rejected(
                        self.good_request(**{field_name: value}), f"field {field_name}", "finite number"
                    )
        [price] = self.env["product.pricelist"].resolve_billing_prices(
            [self.good_request(quantity=1e12, explicit_price=1e12)]
        )
        self.assertEqual(price["price"], 1e12, "the limit itself is accepted")

    def test_unit_that_does_not_convert(self):
        message = self.assert_rejected(self.good_request(uom_id=self.kg.id), "field uom_id")
        self.assertIn(self.kg.name, message)
        self.assertIn(self.unit.name, message)

    def test_currency_without_rate(self):
        no_rate = self.env["res.currency"].create({"name": "ZZY", "symbol": "Zy", "rounding": 0.01})
        message = self.assert_rejected(self.good_request(currency_id=no_rate.id), "field currency_id")
        self.assertIn("ZZY", message)
        # An explicit price needs no conversion, so no rate either.
        (result,) = self.env["product.pricelist"].resolve_billing_prices(
            [self.good_request(currency_id=no_rate.id, explicit_price=4.0)]
        )
        self.assertEqual((result["price"], result["currency_id"]), (4.0, no_rate.id))

    def test_price_list_currency_without_rate(self):
        no_rate = self.env["res.currency"].create({"name": "ZZX", "symbol": "Zx", "rounding": 0.01})
        self.customer.property_product_pricelist = self.env["product.pricelist"].create(
            {"name": "No rate", "currency_id": no_rate.id}
        )
        self.assert_rejected(self.good_request(currency_id=self.usd.id), "field partner_id", "ZZX")

    def test_every_bad_request_is_reported_and_nothing_is_resolved(self):
        requests = [
            self.good_request(),
            self.good_request(quantity=-1),
            self.good_request(),
            self.good_request(uom_id=self.kg.id, date=date(2026, 3, 1)),
        ]
        with self.assertRaises(ValidationError) as caught:
            self.env["product.pricelist"].resolve_billing_prices(requests)
        message = str(caught.exception)
        self.assertIn("Request 1, field quantity", message)
        self.assertIn("Request 3, field uom_id", message)
        self.assertNotIn("Request 0", message)
        self.assertNotIn("Request 2", message)

    def test_error_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["pricelist_priority"], ["fr_FR"], overwrite=True)
        with self.assertRaises(ValidationError) as caught:
            self.env["product.pricelist"].with_context(lang="fr_FR").resolve_billing_prices(
                [self.good_request(quantity=-1)]
            )
        self.assertIn("Demande 0, champ quantity : doit être nul ou positif", str(caught.exception))
        labels = dict(
            self.env["account.move.line"]
            .with_context(lang="fr_FR")
            .fields_get(["price_source"])["price_source"]["selection"]
        )
        self.assertEqual(labels["catalog"], "Prix catalogue")
