from datetime import date

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import ConsumptionCase


@tagged("post_install", "-at_install")
class TestConsumptionIntegrity(ConsumptionCase):
    """What users of each group and company may do with the links, locks and numbers of consumption
    records (real users, no sudo for the action under test)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.engine_context = cls.env["consumption.billing"]._engine_context()
        cls.user_b = new_test_user(
            cls.env,
            "cons_user_company_b",
            groups="base.group_user,consumption_billing.group_consumption_user",
            company_id=cls.other_company.id,
            company_ids=[Command.set(cls.other_company.ids)],
        )
        cls.accountant = new_test_user(
            cls.env,
            "cons_integrity_accountant",
            groups="account.group_account_invoice,sales_team.group_sale_salesman_all_leads",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.order = cls.env["sale.order"].create(
            {
                "partner_id": cls.customer.id,
                "order_line": [Command.create({"product_id": cls.phone.id, "product_uom_qty": 10})],
            }
        )
        cls.draft_invoice = cls._invoice()

    @classmethod
    def _invoice(cls, partner=None, records=None, context=None):
        """A draft invoice of the company; with ``records``, made as the billing engine makes it."""
        line = {"product_id": cls.phone.id, "quantity": 10, "price_unit": 0.1}
        if records:
            line["consumption_record_ids"] = [Command.set(records.ids)]
        return (
            cls.env["account.move"]
            .with_context(**(cls.engine_context if records else {}))
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": (partner or cls.customer).id,
                    "invoice_date": "2026-03-31",
                    "invoice_line_ids": [Command.create(line)],
                }
            )
            .with_env(cls.env)
        )

    def _order(self, records):
        """A quotation holding ``records``, as the order wizard makes it."""
        return (
            self.env["sale.order"]
            .with_context(**self.engine_context)
            .create(
                {
                    "partner_id": self.customer.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.phone.id,
                                "product_uom_qty": 10,
                                "qty_delivered": 10,
                                "consumption_record_ids": [Command.set(records.ids)],
                            }
                        )
                    ],
                }
            )
            .with_env(self.env)
        )

    def _record_b(self):
        return self.Record.with_user(self.user_b).create(
            self.record_values(partner_id=self.customer_of_other_company.id)
        )

    def _unbilled(self, records):
        request = {
            "partner_id": self.customer.id,
            "company_id": self.company.id,
            "date_from": date(2026, 3, 1),
            "date_to": date(2026, 3, 31),
        }
        [lines] = self.env["consumption.billing"]._prepare_billing([request], lock=False)
        return records.browse([record_id for line in lines for record_id in line["record_ids"]]) & records

    # --- 1. links to billing documents ----------------------------------------------------------------

    def test_links_are_written_by_billing_only(self):
        """Neither a user of the documents' company nor one of another company links a record to an order
        or invoice line: by write, create, context default or import."""
        order_line = self.order.order_line
        invoice_line = self.draft_invoice.invoice_line_ids
        record_a = self.Record.with_user(self.consumption_user).create(self.record_values())
        record_b = self._record_b()
        for user, record in ((self.consumption_user, record_a), (self.user_b, record_b)):
            Record = self.Record.with_user(user)
            for fname, line in (("sale_line_id", order_line), ("invoice_line_id", invoice_line)):
                with self.subTest(user=user.login, field=fname):
                    with self.assertRaisesRegex(UserError, "set by billing only"):
                        record.with_user(user).write({fname: line.id})
                    with self.assertRaisesRegex(UserError, "set by billing only"):
                        Record.create(self.record_values(**{fname: line.id}))
                    with self.assertRaisesRegex(UserError, "set by billing only"):
                        Record.with_context(**{f"default_{fname}": line.id}).create(self.record_values())
        # From the line's side, by a user who may edit the invoice.
        with self.assertRaisesRegex(UserError, "set by billing only"):
            self.draft_invoice.with_user(self.accountant).write(
                {
                    "invoice_line_ids": [
                        Command.update(
                            invoice_line.id, {"consumption_record_ids": [Command.link(record_a.id)]}
                        )
                    ]
                }
            )
        result = self.Record.with_user(self.consumption_user).load(
            ["partner_id/.id", "product_id/.id", "date", "quantity", "sale_line_id/.id"],
            [[str(self.customer.id), str(self.phone.id), "2026-03-10", "5", str(order_line.id)]],
        )
        self.assertFalse(result["ids"])
        self.assertIn("set by billing only", " ".join(message["message"] for message in result["messages"]))
        records = self.Record.browse((record_a | record_b).ids)
        self.assertFalse(records.sale_line_id or records.invoice_line_id)
        self.assertFalse(order_line.consumption_record_ids or invoice_line.consumption_record_ids)

    def test_billing_never_links_a_record_of_another_company(self):
        record_b = self._record_b()
        for fname, document in (
            ("invoice_line_id", self.draft_invoice.invoice_line_ids),
            ("sale_line_id", self.order.order_line),
            ("invoice_id", self.draft_invoice),
        ):
            with self.subTest(field=fname), self.assertRaisesRegex(UserError, "another company"):
                record_b.with_context(**self.engine_context).write({fname: document.id})

    def test_posting_ignores_a_record_of_another_company_left_on_a_line(self):
        """A record of company B that an older version let a user link to company A's invoice neither
        blocks A's accountant from posting nor gets billed by A."""
        record_b = self._record_b()
        invoice_line = self.draft_invoice.invoice_line_ids
        self.env.cr.execute(
            "UPDATE consumption_record SET invoice_line_id = %s WHERE id = %s", [invoice_line.id, record_b.id]
        )
        self.env.invalidate_all()
        self.draft_invoice.with_user(self.accountant).action_post()
        self.assertEqual(self.draft_invoice.state, "posted")
        self.assertRecordValues(record_b, [{"billed": False, "invoice_id": False}])

    def test_invoice_chosen_by_hand_is_a_posted_invoice_of_the_customer(self):
        """Choosing where a record was billed stays possible (records billed outside the billing), only
        with a posted customer invoice of the same customer and company."""
        posted = self._invoice()
        posted.action_post()
        other_customer = self._invoice(partner=self.customer_b)
        other_customer.action_post()
        refund = posted._reverse_moves()
        refund.action_post()
        record = self.Record.with_user(self.accountant).create(self.record_values())
        for invoice in (self.draft_invoice, other_customer, refund):
            with (
                self.subTest(invoice=invoice.display_name),
                self.assertRaisesRegex(UserError, "posted customer"),
            ):
                record.write({"invoice_id": invoice.id})
        with self.assertRaisesRegex(UserError, "posted customer"):
            self.Record.with_user(self.accountant).create(
                self.record_values(invoice_id=self.draft_invoice.id)
            )
        with self.assertRaises(UserError):  # not even readable from company B
            self._record_b().write({"invoice_id": posted.id})

        record.write({"invoice_id": posted.id, "billed": True})
        self.assertRecordValues(record, [{"invoice_id": posted.id, "billed": True, "is_locked": True}])

    # --- 5. reserved records --------------------------------------------------------------------------

    def test_reserved_record_is_locked_until_released(self):
        on_order, on_invoice = self.Record.create(
            [self.record_values(), self.record_values(date="2026-03-11")]
        )
        order = self._order(on_order)
        order.action_confirm()
        invoice = self._invoice(records=on_invoice)
        self.assertRecordValues(
            on_order | on_invoice,
            [{"is_reserved": True, "is_locked": False}, {"is_reserved": True, "is_locked": False}],
        )
        for record, link in ((on_order, "sale_line_id"), (on_invoice, "invoice_line_id")):
            mine = record.with_user(self.consumption_user)
            with self.subTest(link=link):
                with self.assertRaisesRegex(UserError, "set by billing only"):
                    mine.write({link: False})
                for values in ({"quantity": 99}, {"billed": True}, {"date": "2026-03-12"}):
                    with self.assertRaisesRegex(UserError, "reserved by"):
                        mine.write(values)
                with self.assertRaisesRegex(UserError, "reserved by"):
                    mine.unlink()
                with self.assertRaisesRegex(UserError, "reserved by"):
                    record.with_user(self.consumption_manager).unlink()
                mine.write({"description": "noted"})  # not what is billed, and the document is a draft
        self.assertEqual(self._unbilled(on_order | on_invoice), self.Record, "still reserved")

        # The documented release paths: remove the line, cancel the order.
        invoice.with_user(self.accountant).write(
            {"invoice_line_ids": [Command.delete(invoice.invoice_line_ids.id)]}
        )
        order.with_user(self.accountant)._action_cancel()
        self.assertRecordValues(
            on_order | on_invoice,
            [
                {"sale_line_id": False, "invoice_line_id": False, "is_reserved": False},
                {"sale_line_id": False, "invoice_line_id": False, "is_reserved": False},
            ],
        )
        (on_order | on_invoice).with_user(self.consumption_user).write({"quantity": 12})
        on_order.with_user(self.consumption_user).unlink()
        self.assertFalse(on_order.exists())

    # --- 7. archived records ----------------------------------------------------------------------------

    def test_archived_records_follow_their_invoice(self):
        kept, archived = self.Record.create([self.record_values(), self.record_values(date="2026-03-12")])
        invoice = self._invoice(records=kept | archived)
        archived.with_user(self.consumption_user).action_archive()
        invoice.action_post()
        self.assertRecordValues(
            kept | archived,
            [{"billed": True, "invoice_id": invoice.id}, {"billed": True, "invoice_id": invoice.id}],
        )
        invoice.button_draft()
        self.assertRecordValues(archived, [{"billed": False, "invoice_id": False, "is_reserved": True}])
        invoice.button_cancel()
        self.assertRecordValues(archived, [{"invoice_line_id": False, "is_reserved": False}])
        archived.with_user(self.consumption_user).action_unarchive()
        self.assertEqual(self._unbilled(kept | archived), kept | archived, "billable again once unarchived")

    def test_archived_records_follow_their_order(self):
        kept, archived = self.Record.create([self.record_values(), self.record_values(date="2026-03-12")])
        order = self._order(kept | archived)
        archived.with_user(self.consumption_user).action_archive()
        order.action_confirm()
        invoice = order._create_invoices()
        self.assertEqual(
            invoice.invoice_line_ids.with_context(active_test=False).consumption_record_ids,
            kept | archived,
            "the invoice bills every record its order line counted",
        )
        order._action_cancel()
        self.assertRecordValues(
            archived, [{"sale_line_id": False, "invoice_line_id": False, "billed": False}]
        )
        archived.with_user(self.consumption_user).action_unarchive()
        self.assertEqual(self._unbilled(kept | archived), kept | archived, "billable again once unarchived")

    # --- lows: numbers, posted descriptions, lock message -------------------------------------------------

    def test_numbers_that_are_not_consumption_are_refused(self):
        Record = self.Record.with_user(self.consumption_user)
        record = Record.create(self.record_values())
        for fname in ("quantity", "rate"):
            for value in (float("nan"), float("inf"), -float("inf"), 1.5e12, 10**400):
                with self.subTest(field=fname, value=value):
                    with self.assertRaisesRegex(ValidationError, "finite number of at most 1e"):
                        Record.create(self.record_values(**{fname: value}))
                    with self.assertRaisesRegex(ValidationError, "finite number of at most 1e"):
                        record.write({fname: value})
        self.assertEqual((record.quantity, record.has_rate), (10, False))
        form = Form(Record)
        form.partner_id = self.customer
        form.product_id = self.phone
        form.quantity = 2e12
        with self.assertRaisesRegex(ValidationError, "finite number"):
            form.save()
        result = Record.load(
            ["partner_id/.id", "product_id/.id", "date", "quantity"],
            [[str(self.customer.id), str(self.phone.id), "2026-03-10", "1e13"]],
        )
        self.assertFalse(result["ids"])
        self.assertIn("finite number", " ".join(message["message"] for message in result["messages"]))
        self.assertEqual(Record.create(self.record_values(quantity=1e12, rate=1e12)).quantity, 1e12)

    def test_posted_record_keeps_its_description_and_says_how_to_unlock_it(self):
        record = self.Record.create(self.record_values(description="Calls to mobiles"))
        invoice = self._invoice(records=record)
        invoice.action_post()
        with self.assertRaises(UserError) as caught:
            record.with_user(self.consumption_user).write({"description": "Calls"})
        message = str(caught.exception)
        self.assertIn("a credit note does not release it", message)
        self.assertIn("leaves it billed", message)
        self.assertEqual(record.description, "Calls to mobiles")
