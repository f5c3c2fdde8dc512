"""Browser tour: a user enters a consumption in the form and finds it in the list."""

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestConsumptionBillingTour(HttpCase):
    def test_create_consumption_from_form_and_find_it_in_list(self):
        customer = self.env["res.partner"].create({"name": "Tour Customer", "is_company": True})
        product = self.env["product.product"].create(
            {
                "name": "Tour SMS",
                "default_code": "TOUR-SMS",
                "type": "service",
                "list_price": 0.2,
            }
        )
        self.start_tour(
            "/odoo/action-consumption_billing.action_consumption_record/new",
            "consumption_billing_record_tour",
            login="admin",
        )
        record = self.env["consumption.record"].search([("description", "=", "Tour text messages")])
        self.assertEqual(len(record), 1)
        self.assertEqual((record.partner_id, record.product_id), (customer, product))
        self.assertEqual((record.quantity, record.has_rate, record.rate), (250, True, 0.05))
        self.assertEqual(record.origin, "manual")
        self.assertAlmostEqual(record.amount_preview, 12.5)
