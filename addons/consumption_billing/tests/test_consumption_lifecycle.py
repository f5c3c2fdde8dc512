from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo import fields
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import ConsumptionCase


class ConsumptionLifecycleCase(ConsumptionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.billing_user = new_test_user(
            cls.env,
            "cons_lifecycle_billing",
            groups="account.group_account_invoice,sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def draft_invoice(self, partner=None, user=None):
        return (
            self.env["account.move"]
            .with_user(user or self.billing_user)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": (partner or self.customer).id,
                    "invoice_date": "2026-04-05",
                }
            )
        )

    def add_consumption(self, invoice):
        wizard = (
            self.env["consumption.invoice.wizard"].with_user(invoice.env.user).create({"move_id": invoice.id})
        )
        wizard.write({"date_from": "2026-03-01", "date_to": "2026-03-31"})
        wizard.action_apply()
        return invoice

    def bill_into_an_order(self):
        """The customer's March consumption billed into a quotation, by a billing user."""
        wizard = (
            self.env["consumption.order.wizard"]
            .with_user(self.billing_user)
            .create(
                {
                    "partner_ids": [Command.set(self.customer.ids)],
                    "date_from": "2026-03-01",
                    "date_to": "2026-03-31",
                }
            )
        )
        wizard.action_create_orders()

    def flush_tracking(self):
        self.env.flush_all()
        self.env.cr.precommit.run()

    def messages(self, records):
        return self.env["mail.message"].search(
            [("model", "=", "consumption.record"), ("res_id", "in", records.ids)]
        )


@tagged("post_install", "-at_install")
class TestConsumptionChatter(ConsumptionLifecycleCase):
    def test_changes_by_hand_are_tracked(self):
        record = self.Record.with_user(self.consumption_user).create(self.record_values())
        self.flush_tracking()
        # An invoice chosen by hand is a posted invoice of the customer, which a billing user can read.
        invoice = self.draft_invoice(partner=self.customer_b)
        invoice.invoice_line_ids = [
            Command.create({"product_id": self.bank.id, "quantity": 1, "price_unit": 2.5})
        ]
        invoice.action_post()
        record.with_user(self.billing_user).write(
            {
                "partner_id": self.customer_b.id,
                "product_id": self.bank.id,
                "date": "2026-03-11",
                "quantity": 12,
                "uom_id": self.unit.id,
                "rate": 0.5,
                "billed": True,
                "invoice_id": invoice.id,
            }
        )
        self.flush_tracking()
        tracked = set(self.messages(record).tracking_value_ids.field_id.mapped("name"))
        self.assertEqual(
            tracked,
            {"partner_id", "product_id", "date", "quantity", "has_rate", "rate", "billed", "invoice_id"},
        )
        self.assertTrue({"uom_id", "sale_line_id"} <= record._track_get_fields())
        self.assertIn("<chatter", self.env.ref("consumption_billing.consumption_record_view_form").arch)

    def test_import_ingest_and_billing_post_no_message_per_record(self):
        Record = self.Record.with_user(self.consumption_user)
        result = Record.load(
            ["partner_id/.id", "product_id/.id", "date", "quantity", "external_ref"],
            [
                [str(self.customer.id), str(self.phone.id), "2026-03-05", "7", "IMP-CHATTER-1"],
                [str(self.customer.id), str(self.phone.id), "2026-03-06", "8", "IMP-CHATTER-2"],
            ],
        )
        self.assertFalse(result["messages"])
        imported = self.Record.browse(result["ids"])
        self.assertEqual(len(imported), 2)
        Record.ingest([self.row(external_ref="ING-CHATTER-1"), self.row(external_ref="ING-CHATTER-2")])
        ingested = self.Record.search([("external_ref", "like", "ING-CHATTER-")])
        self.assertEqual(len(ingested), 2)
        self.flush_tracking()
        self.assertFalse(self.messages(imported | ingested))
        self.assertFalse(imported.message_follower_ids)

        invoice = self.add_consumption(self.draft_invoice())
        invoice.action_post()
        self.flush_tracking()
        self.assertEqual(set((imported | ingested).mapped("billing_state")), {"billed"})
        self.assertFalse(self.messages(imported | ingested), "billing links are not tracked on every record")


@tagged("post_install", "-at_install")
class TestConsumptionBillingState(ConsumptionLifecycleCase):
    def test_state_follows_the_documents(self):
        record = self.Record.create(self.record_values())
        self.assertEqual(record.billing_state, "to_bill")
        invoice = self.add_consumption(self.draft_invoice())
        self.assertEqual(record.billing_state, "reserved")
        invoice.action_post()
        self.assertEqual(record.billing_state, "billed")
        invoice.button_draft()
        self.assertEqual(record.billing_state, "reserved")
        invoice.button_cancel()
        self.assertEqual(record.billing_state, "to_bill")
        record.billed = True
        self.assertEqual(record.billing_state, "billed")

    def test_order_line_reserves(self):
        record = self.Record.create(self.record_values())
        self.bill_into_an_order()
        self.assertTrue(record.sale_line_id)
        self.assertEqual(record.billing_state, "reserved")
        self.assertEqual(
            self.Record.search([("billing_state", "=", "reserved"), ("id", "=", record.id)]), record
        )

    def test_ingested_rows_are_to_bill_in_the_database(self):
        self.Record.ingest([self.row(external_ref="ING-STATE-1")])
        self.assertFalse(
            self.env.records_to_compute(self.Record._fields["billing_state"]), "no second write of the rows"
        )
        ids = self.Record.search([("external_ref", "=", "ING-STATE-1")]).ids
        self.env.flush_all()
        self.env.cr.execute("SELECT billing_state FROM consumption_record WHERE id = ANY(%s)", [ids])
        self.assertEqual(self.env.cr.fetchall(), [("to_bill",)])
        self.assertEqual(self.Record.search([("billing_state", "=", "to_bill"), ("id", "in", ids)]).ids, ids)

    def test_filter_flags_records_reserved_for_more_than_30_days(self):
        old, recent = self.Record.create(
            [self.record_values(), self.record_values(partner_id=self.customer_b.id)]
        )
        old_invoice = self.add_consumption(self.draft_invoice())
        self.add_consumption(self.draft_invoice(partner=self.customer_b))
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE account_move_line SET create_date = now() - interval '31 days' WHERE move_id = %s",
            [old_invoice.id],
        )
        self.env.invalidate_all()
        arch = etree.fromstring(self.env.ref("consumption_billing.consumption_record_view_search").arch)
        [node] = arch.xpath("//filter[@name='reserved_over_30_days']")
        domain = safe_eval(
            node.get("domain"),
            {"context_today": lambda: fields.Date.context_today(self.Record), "relativedelta": relativedelta},
        )
        self.assertEqual(self.Record.search([*domain, ("id", "in", (old | recent).ids)]), old)


@tagged("post_install", "-at_install")
class TestDocumentsKeepTheirConsumption(ConsumptionLifecycleCase):
    def test_draft_invoice_refuses_another_customer_company_or_currency(self):
        self.Record.create(self.record_values())
        invoice = self.add_consumption(self.draft_invoice())
        other_currency = (
            self.env.ref("base.EUR")
            if self.company.currency_id != self.env.ref("base.EUR")
            else self.env.ref("base.USD")
        )
        other_currency.active = True
        for vals in (
            {"partner_id": self.customer_b.id},
            {"currency_id": other_currency.id},
        ):
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(UserError, "remove its consumption lines first"),
            ):
                invoice.write(vals)
        with self.assertRaisesRegex(UserError, "remove its consumption lines first"), Form(invoice) as form:
            form.partner_id = self.customer_b
        invoice.write({"partner_id": self.contact.id})
        self.assertEqual(
            invoice.partner_id, self.contact, "a contact of the same company is the same customer"
        )

        invoice.write({"invoice_line_ids": [Command.delete(line.id) for line in invoice.invoice_line_ids]})
        invoice.write({"partner_id": self.customer_b.id})
        self.assertEqual(invoice.partner_id, self.customer_b)

    def test_quotation_refuses_another_customer_or_currency(self):
        self.Record.create(self.record_values())
        self.bill_into_an_order()
        order = self.Record.search([("partner_id", "=", self.customer.id)]).sale_line_id.order_id
        self.assertEqual(len(order), 1)
        pricelist = self.env["product.pricelist"].create(
            {
                "name": "Other currency",
                "currency_id": self.env.ref(
                    "base.EUR" if self.company.currency_id.name != "EUR" else "base.USD"
                ).id,
            }
        )
        for vals in ({"partner_id": self.customer_b.id}, {"pricelist_id": pricelist.id}):
            with (
                self.subTest(vals=vals),
                self.assertRaisesRegex(UserError, "remove its consumption lines first"),
            ):
                order.with_user(self.billing_user).write(vals)
        self.assertEqual(order.partner_id, self.customer)
