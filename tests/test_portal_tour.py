"""Browser tour of the customer portal: My Consumption, its month filter and download, an invoice and its
consumption statement; the files' totals are then checked against the invoice."""

import io

import openpyxl

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestPortalTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        customer = cls.env["res.partner"].create({"name": "Portal Tour Customer", "is_company": True})
        contact = cls.env["res.partner"].create({"name": "Paula Portal", "parent_id": customer.id})
        cls.portal_user = new_test_user(
            cls.env,
            "portal_tour",
            groups="base.group_portal",
            partner_id=contact.id,
            name=contact.name,
        )
        product = cls.env["product.product"].create(
            {"name": "Tour Calls", "default_code": "TOUR-CALLS", "type": "service", "list_price": 0.2}
        )
        Record = cls.env["consumption.record"]
        march = Record.create(
            [
                {
                    "partner_id": customer.id,
                    "product_id": product.id,
                    "date": "2026-03-04",
                    "quantity": 120,
                    "description": "Portal tour March calls",
                },
                {
                    "partner_id": contact.id,
                    "product_id": product.id,
                    "date": "2026-03-18",
                    "quantity": 80,
                    "description": "Portal tour March calls",
                },
            ]
        )
        Record.create(
            {
                "partner_id": customer.id,
                "product_id": product.id,
                "date": "2026-04-02",
                "quantity": 40,
                "description": "Portal tour April calls",
            }
        )
        # As the billing engine makes it: only the engine links records to invoice lines.
        engine_context = cls.env["consumption.billing"]._engine_context()
        cls.invoice = (
            cls.env["account.move"]
            .with_context(**engine_context)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "invoice_date": "2026-04-01",
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "quantity": 200,
                                "price_unit": 0.2,
                                "consumption_record_ids": [Command.set(march.ids)],
                            }
                        )
                    ],
                }
            )
            .with_env(cls.env)
        )
        cls.invoice.action_post()

    def workbook_rows(self, url):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        return list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))

    def test_portal_user_filters_downloads_and_opens_the_statement(self):
        self.start_tour("/my", "consumption_billing_portal_tour", login="portal_tour")

        self.authenticate("portal_tour", "portal_tour")
        listed = self.workbook_rows("/my/consumption/export?month=2026-03")
        totals = {row[2]: row[4] for row in listed[1:] if not row[0] and row[2]}
        self.assertEqual(totals, {"[TOUR-CALLS] Tour Calls": self.invoice.invoice_line_ids.quantity})
        statement = self.workbook_rows(self.invoice.get_portal_url(suffix="/statement"))
        self.assertEqual(statement[-1][7], self.invoice.amount_untaxed)
        self.assertEqual(sum(row[7] for row in statement[9:-1] if row[0]), self.invoice.amount_untaxed)
