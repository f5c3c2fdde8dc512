from http import HTTPStatus

from freezegun import freeze_time

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import format_date, mute_logger

from ..report.dashboard_xlsx import EXPORT_ROUTE
from .common import D, RecurringOrdersCase


@tagged("post_install", "-at_install")
class TestPortalRecurring(HttpCase, RecurringOrdersCase):
    """Recurring orders on the portal of Ann English's customer, seen by her portal user, by the portal
    user of another customer and through access tokens."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.other_customer = Partner.create({"name": "Other Customer", "is_company": True})
        cls.ann_portal = cls._portal_user("ann_portal", cls.customer_en)
        cls.other_portal = cls._portal_user("other_portal", cls.other_customer)

    def setUp(self):
        super().setUp()
        subject = {"recurrence_subject": "Subscription {MMM} {YYYY}"}
        self.finalized_order = self._create_order(**subject)
        self.open_order = self._create_order(**subject)
        with freeze_time("2026-02-15"):
            self.finalized_invoices, __ = self._generate(self.finalized_order)
            self.open_invoices, __ = self._generate(self.open_order)
        self.finalized_order.action_finalize()
        self.plain_order = self.env["sale.order"].create(
            {
                "partner_id": self.customer_en.id,
                "order_line": [Command.create({"product_id": self.product_option.id, "product_uom_qty": 1})],
            }
        )
        self.plain_order.action_confirm()

    @classmethod
    def _portal_user(cls, login, customer):
        contact = cls.env["res.partner"].create({"name": f"{login} contact", "parent_id": customer.id})
        return new_test_user(
            cls.env,
            login,
            groups="base.group_portal",
            partner_id=contact.id,
            name=contact.name,
        )

    def get(self, url, **params):
        return self.url_open(url, params=params, allow_redirects=False)

    def test_generation_made_two_invoices(self):
        self.assertEqual(len(self.finalized_invoices), 2)
        self.assertEqual(self.finalized_order.recurrence_next_date, D(2026, 3, 1))

    def test_order_page_shows_the_recurring_invoicing(self):
        self.authenticate("ann_portal", "ann_portal")
        page = self.get(f"/my/orders/{self.finalized_order.id}")
        self.assertEqual(page.status_code, HTTPStatus.OK)
        order = self.finalized_order
        next_date = format_date(self.env, order.recurrence_next_document_date)
        for text in (
            "Recurring invoicing",
            "Monthly",
            "01/01/2026",
            next_date,
            order.recurrence_next_subject,
            "Finalized",
            "Until stopped",
        ):
            self.assertIn(text, page.text)
        for invoice in self.finalized_invoices:
            self.assertIn(f"/my/invoices/{invoice.id}?access_token=", page.text)
            self.assertIn(invoice.invoice_subject, page.text)
        plain = self.get(f"/my/orders/{self.plain_order.id}")
        self.assertEqual(plain.status_code, HTTPStatus.OK)
        self.assertNotIn("Recurring invoicing", plain.text)

    def test_default_setting_hides_orders_not_finalized(self):
        self.assertEqual(self.company.recurring_portal_orders, "finalized")
        self.authenticate("ann_portal", "ann_portal")
        listing = self.get("/my/orders")
        self.assertIn(self.finalized_order.name, listing.text)
        self.assertIn(self.plain_order.name, listing.text)
        self.assertNotIn(self.open_order.name, listing.text)
        with mute_logger("odoo.http"):
            self.assertEqual(self.get(f"/my/orders/{self.open_order.id}").status_code, HTTPStatus.NOT_FOUND)
            self.assertEqual(
                self.get(f"/my/orders/{self.open_order.id}/statement").status_code, HTTPStatus.NOT_FOUND
            )
            self.logout()
            token = self.open_order._portal_ensure_token()
            by_token = self.get(f"/my/orders/{self.open_order.id}", access_token=token)
            self.assertEqual(by_token.status_code, HTTPStatus.NOT_FOUND)
            self.assertNotIn(self.open_order.name, by_token.text)
        self.authenticate("ann_portal", "ann_portal")
        for invoice in self.open_invoices:
            self.assertEqual(self.get(f"/my/invoices/{invoice.id}").status_code, HTTPStatus.OK)
            self.assertIn(invoice.name, self.get("/my/invoices").text)

    def test_setting_all_confirmed_orders_shows_them(self):
        self.company.recurring_portal_orders = "confirmed"
        self.authenticate("ann_portal", "ann_portal")
        self.assertIn(self.open_order.name, self.get("/my/orders").text)
        page = self.get(f"/my/orders/{self.open_order.id}")
        self.assertEqual(page.status_code, HTTPStatus.OK)
        self.assertIn("Not finalized", page.text)

    def test_access_token_opens_its_order_only(self):
        token = self.finalized_order._portal_ensure_token()
        page = self.get(f"/my/orders/{self.finalized_order.id}", access_token=token)
        self.assertEqual(page.status_code, HTTPStatus.OK)
        self.assertIn("Recurring invoicing", page.text)
        for url, access_token in (
            (f"/my/orders/{self.finalized_order.id}", token[:-1] + "x"),
            (f"/my/orders/{self.plain_order.id}", token),
        ):
            with self.subTest(url=url):
                refused = self.get(url, access_token=access_token)
                self.assertNotEqual(refused.status_code, HTTPStatus.OK)
                self.assertNotIn("Recurring invoicing", refused.text)

    def test_another_customer_sees_nothing(self):
        self.authenticate("other_portal", "other_portal")
        self.assertNotIn(self.finalized_order.name, self.get("/my/orders").text)
        for order in (self.finalized_order, self.open_order, self.plain_order):
            with self.subTest(order=order.name):
                response = self.get(f"/my/orders/{order.id}")
                self.assertIn(response.status_code, (HTTPStatus.SEE_OTHER, HTTPStatus.NOT_FOUND))
                self.assertNotIn(order.name, response.text)

    @mute_logger("odoo.http")
    def test_portal_user_cannot_export_the_dashboard(self):
        self.authenticate("ann_portal", "ann_portal")
        response = self.get(EXPORT_ROUTE)
        self.assertEqual(response.status_code, HTTPStatus.FORBIDDEN)
        self.assertNotIn(self.finalized_order.name, response.text)


@tagged("post_install", "-at_install")
class TestPortalDemo(HttpCase):
    """The demo portal user (portal / portal) finds its customer's consumption, finalized recurring order,
    generated invoices and their statements."""

    def test_demo_portal_user(self):
        order = self.env.ref("recurring_orders.demo_order_portal_telecom")
        user = self.env.ref("base.demo_user0")
        self.assertEqual(user.login, "portal")
        self.assertEqual(user.partner_id.commercial_partner_id, order.partner_id)
        self.assertTrue(order.finalized)
        invoices = order.recurrence_invoice_ids.filtered(lambda move: move.state == "posted")
        self.assertGreaterEqual(len(invoices), 2)
        self.authenticate("portal", "portal")
        consumption = self.url_open("/my/consumption")
        self.assertEqual(consumption.status_code, HTTPStatus.OK)
        self.assertIn("Mobile data (GB), Joel Willis", consumption.text)
        page = self.url_open(f"/my/orders/{order.id}")
        self.assertIn("Recurring invoicing", page.text)
        for invoice in invoices:
            self.assertIn(f"/my/invoices/{invoice.id}?access_token=", page.text)
        billing = invoices.filtered(lambda move: move.invoice_line_ids.consumption_record_ids)
        self.assertTrue(billing)
        statement = self.url_open(f"/my/invoices/{billing[0].id}/statement")
        self.assertEqual(statement.status_code, HTTPStatus.OK)
