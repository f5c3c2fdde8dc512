"""Browser tours: a user enters a consumption in the form and finds it in the list; bills consumption
from a draft invoice and from a customer."""

from dateutil.relativedelta import relativedelta

from odoo.tests import HttpCase, tagged
from odoo.tools import date_utils

from .dates import user_today


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


@tagged("post_install", "-at_install")
class TestConsumptionBillingWizardTours(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create({"name": "Tour Customer", "is_company": True})
        cls.product = cls.env["product.product"].create(
            {
                "name": "Tour SMS",
                "default_code": "TOUR-SMS",
                "type": "service",
                "list_price": 0.2,
            }
        )
        previous_month = date_utils.start_of(user_today(cls.env) - relativedelta(months=1), "month")
        cls.records = cls.env["consumption.record"].create(
            [
                {
                    "partner_id": cls.customer.id,
                    "product_id": cls.product.id,
                    "date": previous_month,
                    "quantity": 100,
                },
                {
                    "partner_id": cls.customer.id,
                    "product_id": cls.product.id,
                    "date": previous_month + relativedelta(days=9),
                    "quantity": 50,
                },
            ]
        )

    def test_invoice_wizard(self):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": user_today(self.env),
            }
        )
        self.start_tour(
            f"/odoo/action-account.action_move_out_invoice_type/{invoice.id}",
            "consumption_billing_invoice_wizard_tour",
            login="admin",
        )
        self.assertEqual(invoice.invoice_line_ids.consumption_record_ids, self.records)
        self.assertEqual(invoice.invoice_line_ids.quantity, 150)
        self.assertAlmostEqual(invoice.amount_untaxed, 30.0)

    def test_partner_action(self):
        self.start_tour(
            f"/odoo/action-base.action_partner_form/{self.customer.id}",
            "consumption_billing_partner_action_tour",
            login="admin",
        )
        order = self.env["sale.order"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(len(order), 1)
        self.assertEqual(self.records.sale_line_id, order.order_line)
        self.assertAlmostEqual(order.amount_untaxed, 30.0)
