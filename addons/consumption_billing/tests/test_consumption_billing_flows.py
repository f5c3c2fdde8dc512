from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import ConsumptionCase


@tagged("post_install", "-at_install")
class TestConsumptionBillingFlows(ConsumptionCase):
    """The three entry points (invoice wizard, partner action + order, engine) and the lifecycle."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tax = cls.env["account.tax"].create(
            {"name": "Test VAT 20%", "amount": 20, "type_tax_use": "sale"}
        )
        (cls.phone | cls.bank | cls.power).taxes_id = cls.tax
        cls.records = cls.Record.create(
            [
                cls.record_values(date="2026-03-02", quantity=100, description="Mobiles"),
                cls.record_values(date="2026-03-20", quantity=50, rate=0.12, partner_id=cls.contact.id),
                cls.record_values(date="2026-03-21", quantity=2, uom_id=cls.pack.id),
                cls.record_values(
                    date="2026-03-15", product_id=cls.bank.id, quantity=3, description="Transfers"
                ),
                cls.record_values(date="2026-04-02", quantity=999),
            ]
        )
        cls.march = cls.records[:4]

    def draft_invoice(self, partner=None, invoice_date="2026-04-05"):
        return self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": (partner or self.customer).id,
                "invoice_date": invoice_date,
            }
        )

    def add_consumption(self, invoice, **values):
        wizard = self.env["consumption.invoice.wizard"].create({"move_id": invoice.id, **values})
        wizard.action_apply()
        return wizard

    @staticmethod
    def line_summary(lines):
        return sorted(
            (
                line.product_id.id,
                line.quantity if "quantity" in line._fields else line.product_uom_qty,
                line.price_unit,
                line.price_source,
                line.name,
            )
            for line in lines
        )

    # --- invoice wizard -----------------------------------------------------------------------------

    def test_invoice_wizard_previews_then_adds_lines_and_links_records(self):
        invoice = self.draft_invoice()
        wizard = self.env["consumption.invoice.wizard"].create({"move_id": invoice.id})
        self.assertEqual(
            (wizard.period, wizard.date_from, wizard.date_to),
            ("previous_month", date(2026, 3, 1), date(2026, 3, 31)),
        )
        self.assertEqual(wizard.record_count, 4)
        self.assertEqual(
            [
                (line.product_id, line.quantity, line.price_unit, line.price_source, line.amount)
                for line in wizard.line_ids
            ],
            [(self.bank, 3, 2.0, "catalog", 6.0), (self.phone, 162, 0.12, "explicit", 19.44)],
            "100 + 50 + 2 packs of 6 units, at the highest rate (own 0.12 > catalog 0.10)",
        )
        self.assertAlmostEqual(wizard.amount_total, 25.44)
        self.assertFalse(invoice.invoice_line_ids, "the preview writes nothing")
        self.assertFalse(self.march.invoice_line_id, "the preview reserves nothing")

        wizard.action_apply()
        phone_line = invoice.invoice_line_ids.filtered(lambda line: line.product_id == self.phone)
        self.assertEqual(len(invoice.invoice_line_ids), 2)
        self.assertEqual(
            (phone_line.quantity, phone_line.price_unit, phone_line.price_source), (162, 0.12, "explicit")
        )
        self.assertEqual(phone_line.name, "Phone units, March 2026 (3 records)")
        self.assertEqual(phone_line.tax_ids, self.tax, "taxes come from the product, like any invoice line")
        self.assertEqual(
            phone_line.consumption_record_ids, self.march.filtered(lambda r: r.product_id == self.phone)
        )
        self.assertAlmostEqual(invoice.amount_untaxed, 25.44)
        self.assertAlmostEqual(invoice.amount_tax, 5.09)
        self.assertFalse(self.march.filtered("billed"), "reserved by the draft invoice, not billed yet")
        self.assertEqual(invoice.consumption_record_count, 4)

        second = self.draft_invoice()
        with self.assertRaisesRegex(UserError, "no unbilled consumption"):
            self.add_consumption(second)

    def test_invoice_wizard_periods(self):
        invoice = self.draft_invoice(invoice_date="2026-04-05")
        with Form(self.env["consumption.invoice.wizard"].with_context(default_move_id=invoice.id)) as form:
            form.period = "invoice_month"
            self.assertEqual((form.date_from, form.date_to), (date(2026, 4, 1), date(2026, 4, 30)))
            self.assertEqual(form.record_count, 1)
            form.period = "custom"
            form.date_from = date(2026, 3, 15)
            form.date_to = date(2026, 4, 30)
            self.assertEqual(form.record_count, 4)
            form.grouping = "month"
            self.assertEqual(len(form.line_ids), 3)

    def test_invoice_wizard_refuses_bad_input(self):
        posted = self.draft_invoice()
        self.add_consumption(posted)
        posted.action_post()
        bill = self.env["account.move"].create({"move_type": "in_invoice", "partner_id": self.customer.id})
        for move in (posted, bill):
            with (
                self.subTest(move=move.move_type),
                self.assertRaisesRegex(UserError, "draft customer invoices"),
            ):
                self.env["consumption.invoice.wizard"].create({"move_id": move.id}).action_apply()
        invoice = self.draft_invoice()
        with self.assertRaisesRegex(UserError, "ends .* before it starts"):
            self.add_consumption(invoice, period="custom", date_from="2026-03-31", date_to="2026-03-01")
        self.assertFalse(invoice.invoice_line_ids)

    def test_product_without_income_account(self):
        journal = self.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", self.company.id)], limit=1
        )
        journal.default_account_id = False
        self.phone.categ_id.property_account_income_categ_id = False
        self.phone.property_account_income_id = False
        self.company.income_account_id = False
        invoice = self.draft_invoice()
        invoice.journal_id = journal
        with self.assertRaisesRegex(UserError, "no income account: .*Phone units"):
            self.add_consumption(invoice)
        self.assertFalse(invoice.invoice_line_ids)
        self.assertFalse(self.march.invoice_line_id, "nothing written")

    def test_product_with_an_archived_income_account(self):
        """Posting would refuse the archived account, even with a default account on the journal."""
        retired = self.env["account.account"].create(
            {"name": "Retired phone income", "code": "RETPHONE", "account_type": "income"}
        )
        self.phone.property_account_income_id = retired
        retired.active = False
        invoice = self.draft_invoice()
        self.assertTrue(invoice.journal_id.default_account_id)
        with self.assertRaisesRegex(UserError, r"archived: .*Phone units \(.*Retired phone income\)"):
            self.add_consumption(invoice)
        self.assertFalse(invoice.invoice_line_ids)
        self.assertFalse(self.march.invoice_line_id, "nothing written")

    # --- lifecycle ----------------------------------------------------------------------------------

    def test_post_bills_reset_reserves_cancel_releases(self):
        invoice = self.draft_invoice()
        self.add_consumption(invoice)
        invoice.action_post()
        self.assertEqual(set(self.march.mapped("billed")), {True})
        self.assertEqual(self.march.invoice_id, invoice)
        self.assertTrue(all(self.march.mapped("is_locked")))

        invoice.button_draft()
        self.assertEqual(set(self.march.mapped("billed")), {False})
        self.assertFalse(self.march.invoice_id)
        self.assertEqual(self.march.invoice_line_id.move_id, invoice, "still reserved by the draft invoice")
        self.assertFalse(self.env["consumption.billing"]._prepare_billing([self._request()])[0])

        invoice.button_cancel()
        self.assertFalse(self.march.invoice_line_id, "the cancelled invoice released them")
        self.assertEqual(len(self.env["consumption.billing"]._prepare_billing([self._request()])[0]), 2)

    def test_removing_the_line_or_deleting_the_draft_invoice_releases(self):
        invoice = self.draft_invoice()
        self.add_consumption(invoice)
        bank_line = invoice.invoice_line_ids.filtered(lambda line: line.product_id == self.bank)
        invoice.write({"invoice_line_ids": [Command.delete(bank_line.id)]})
        bank_record = self.march.filtered(lambda record: record.product_id == self.bank)
        self.assertFalse(bank_record.invoice_line_id)
        self.assertTrue(self.march.filtered(lambda record: record.product_id == self.phone).invoice_line_id)
        invoice.unlink()
        self.assertFalse(self.march.invoice_line_id)
        self.assertFalse(self.march.filtered("billed"))

    def test_full_credit_note_leaves_the_consumption_billed(self):
        invoice = self.draft_invoice()
        self.add_consumption(invoice)
        invoice.action_post()
        reversal = (
            self.env["account.move.reversal"]
            .with_context(
                active_model="account.move",
                active_ids=invoice.ids,
            )
            .create({"journal_id": invoice.journal_id.id, "reason": "refund"})
        )
        credit_note = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        credit_note.action_post()
        self.assertEqual(credit_note.amount_untaxed, invoice.amount_untaxed)
        self.assertFalse(
            credit_note.invoice_line_ids.consumption_record_ids, "the credit note takes no records"
        )
        self.assertEqual(
            set(self.march.mapped("billed")), {True}, "billed once, then refunded: not billed again"
        )
        self.assertEqual(self.march.invoice_id, invoice)

    def _request(self, **values):
        return {
            "partner_id": self.customer.id,
            "company_id": self.company.id,
            "date_from": date(2026, 3, 1),
            "date_to": date(2026, 3, 31),
            **values,
        }

    # --- partner action: one sale order per customer ------------------------------------------------

    def _order_wizard(self, partners):
        action = (
            self.env.ref("consumption_billing.action_partner_consumption_invoicing")
            .with_context(
                active_model="res.partner",
                active_ids=partners.ids,
            )
            .run()
        )
        wizard = self.env["consumption.order.wizard"].browse(action["res_id"])
        wizard.write({"date_from": "2026-03-01", "date_to": "2026-03-31"})
        return wizard

    def test_partner_action_one_order_per_customer_then_standard_invoicing(self):
        self.Record.create(self.record_values(partner_id=self.customer_b.id, quantity=40))
        idle = self.env["res.partner"].create({"name": "Idle customer"})
        wizard = self._order_wizard(self.customer | self.contact | self.customer_b | idle)
        self.assertEqual(len(wizard.partner_ids), 4)
        result = wizard.action_create_orders()
        self.assertIn("2 sale order(s) created; 1 customer(s)", result["params"]["message"])
        orders = self.env["sale.order"].search(result["params"]["next"]["domain"])
        self.assertEqual(orders.partner_id, self.customer | self.customer_b, "one order per customer")
        order = orders.filtered(lambda order: order.partner_id == self.customer)
        self.assertEqual(
            self.line_summary(order.order_line),
            sorted(
                [
                    (self.bank.id, 3, 2.0, "catalog", "Bank charges, March 2026 (1 record)"),
                    (self.phone.id, 162, 0.12, "explicit", "Phone units, March 2026 (3 records)"),
                ]
            ),
        )
        self.assertEqual(self.march.sale_line_id.order_id, order)
        self.assertEqual(order.consumption_record_count, 4)

        order.action_confirm()
        invoice = order._create_invoices()
        self.assertEqual(self.line_summary(invoice.invoice_line_ids), self.line_summary(order.order_line))
        self.assertEqual(self.march.invoice_line_id.move_id, invoice)
        invoice.action_post()
        self.assertEqual(self.march.invoice_id, invoice)
        self.assertEqual(set(self.march.mapped("billed")), {True})

        again = self._order_wizard(self.customer)
        with self.assertRaisesRegex(UserError, "None of the 1 selected customers has unbilled consumption"):
            again.action_create_orders()

    def test_order_of_products_invoiced_on_delivery_is_invoiceable(self):
        """Consumption is delivered by nature: its order lines are invoiceable under either policy."""
        (self.phone | self.bank).invoice_policy = "delivery"
        self._order_wizard(self.customer).action_create_orders()
        order = self.march.sale_line_id.order_id
        order.action_confirm()
        self.assertEqual(order.order_line.mapped("qty_delivered"), order.order_line.mapped("product_uom_qty"))
        self.assertEqual(order.invoice_status, "to invoice")
        invoice = order._create_invoices()
        self.assertEqual(self.line_summary(invoice.invoice_line_ids), self.line_summary(order.order_line))
        self.assertEqual(self.march.invoice_line_id.move_id, invoice)

    def test_order_lines_take_no_second_discount_from_a_percentage_rule(self):
        """With discounts shown on order lines, Odoo turns a percentage rule into a line discount; the
        resolved price already applies the rule, so the line must not take it a second time."""
        self.env.ref("base.user_root").group_ids += self.env.ref("sale.group_discount_per_so_line")
        self.customer.property_product_pricelist = self.env["product.pricelist"].create(
            {
                "name": "Bank charges 25% off",
                "currency_id": self.company.currency_id.id,
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "0_product_variant",
                            "product_id": self.bank.id,
                            "compute_price": "percentage",
                            "percent_price": 25,
                        }
                    )
                ],
            }
        )
        self._order_wizard(self.customer).action_create_orders()
        line = self.march.sale_line_id.filtered(lambda line: line.product_id == self.bank)
        self.assertEqual((line.price_unit, line.price_source, line.discount), (1.5, "pricelist", 0.0))
        self.assertEqual(line.price_subtotal, 4.5, "3 x 2.0 less 25%, once")
        line.order_id.action_confirm()
        invoice_line = line.order_id._create_invoices().invoice_line_ids.filtered(
            lambda invoice_line: invoice_line.product_id == self.bank
        )
        self.assertEqual((invoice_line.price_unit, invoice_line.discount), (1.5, 0.0))

    def test_analytic_distribution_models_still_apply(self):
        """Lines skip Odoo's analytic lookup only when no distribution model exists."""
        self._order_wizard(self.customer).action_create_orders()
        self.assertEqual(set(self.march.sale_line_id.mapped("analytic_distribution")), {False})

        plan = self.env["account.analytic.plan"].create({"name": "Consumption plan"})
        telecom = self.env["account.analytic.account"].create({"name": "Telecom", "plan_id": plan.id})
        self.env["account.analytic.distribution.model"].create(
            {"product_id": self.phone.id, "analytic_distribution": {str(telecom.id): 100}}
        )
        self.Record.create(self.record_values(partner_id=self.customer_b.id, quantity=40))
        self.Record.create(
            self.record_values(partner_id=self.customer_b.id, product_id=self.bank.id, quantity=2)
        )
        self._order_wizard(self.customer_b).action_create_orders()
        order = self.env["sale.order"].search([("partner_id", "=", self.customer_b.id)])
        by_product = {line.product_id: line.analytic_distribution for line in order.order_line}
        self.assertEqual(by_product[self.phone], {str(telecom.id): 100})
        self.assertFalse(by_product[self.bank])

    def test_cancelled_order_releases_its_consumption(self):
        wizard = self._order_wizard(self.customer)
        order = self.env["sale.order"].browse(wizard.action_create_orders()["params"]["next"]["res_id"])
        self.assertTrue(self.march.sale_line_id)
        order.action_confirm()
        invoice = order._create_invoices()
        order._action_cancel()
        self.assertEqual(invoice.state, "cancel")
        self.assertFalse(self.march.sale_line_id)
        self.assertFalse(self.march.invoice_line_id)
        self.assertFalse(self.march.filtered("billed"))

    def test_the_three_entry_points_produce_the_same_lines(self):
        engine_lines = self.env["consumption.billing"]._prepare_billing([self._request()], lock=False)[0]
        expected = sorted(
            (line["product_id"], line["quantity"], line["price_unit"], line["price_source"], line["name"])
            for line in engine_lines
        )
        invoice = self.draft_invoice()
        self.add_consumption(invoice)
        self.assertEqual(self.line_summary(invoice.invoice_line_ids), expected)
        invoice.unlink()  # releases the records for the next entry point
        order = self.env["sale.order"].browse(
            self._order_wizard(self.customer).action_create_orders()["params"]["next"]["res_id"]
        )
        self.assertEqual(self.line_summary(order.order_line), expected)

    # --- rights: real users, no sudo ------------------------------------------------------------------

    def test_accountant_bills_with_own_rights_and_other_company_sees_nothing(self):
        user_b = new_test_user(
            self.env,
            "cons_user_b_billing",
            groups="base.group_user,consumption_billing.group_consumption_user",
            company_id=self.other_company.id,
            company_ids=[Command.set(self.other_company.ids)],
        )
        engine_b = self.env["consumption.billing"].with_user(user_b).with_company(self.other_company)
        self.assertEqual(
            engine_b._prepare_billing([self._request(company_id=self.company.id)]),
            [[]],
            "company A's consumption is invisible to a user of company B",
        )

        accountant = new_test_user(
            self.env,
            "cons_accountant_a",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        invoice = self.draft_invoice().with_user(accountant)
        wizard = self.env["consumption.invoice.wizard"].with_user(accountant).create({"move_id": invoice.id})
        self.assertEqual(wizard.record_count, 4)
        wizard.action_apply()
        invoice.action_post()
        self.assertEqual(self.march.invoice_id, invoice)

    def test_salesperson_cannot_bill_consumption(self):
        """Salespeople record and read consumption; billing it stays with billing users."""
        action = self.env.ref("consumption_billing.action_partner_consumption_invoicing")
        bindings = self.env["ir.actions.actions"].with_user(self.salesman).get_bindings("res.partner")
        self.assertNotIn(action.id, [binding["id"] for binding in bindings.get("action", [])])
        accountant = new_test_user(
            self.env,
            "cons_flows_billing",
            groups="account.group_account_invoice,sales_team.group_sale_salesman",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        bindings = self.env["ir.actions.actions"].with_user(accountant).get_bindings("res.partner")
        self.assertIn(action.id, [binding["id"] for binding in bindings.get("action", [])])
        message = "Only billing users"
        with self.assertRaisesRegex(AccessError, message):
            self.env["consumption.order.wizard"].with_user(self.salesman).create(
                {"partner_ids": [Command.set(self.customer.ids)]}
            )
        with self.assertRaisesRegex(AccessError, message):
            self.env["consumption.order.wizard"].with_user(self.salesman)._action_open_for_partners(
                self.customer
            )
        invoice = self.draft_invoice()
        with self.assertRaisesRegex(AccessError, message):
            invoice.with_user(self.salesman).action_add_consumption()
        with self.assertRaisesRegex(AccessError, message):
            self.env["consumption.invoice.wizard"].with_user(self.salesman).create({"move_id": invoice.id})
        wizard = self.env["consumption.invoice.wizard"].create({"move_id": invoice.id})
        with self.assertRaisesRegex(AccessError, message):
            wizard.with_user(self.salesman).action_apply()
        self.assertFalse(invoice.invoice_line_ids)
        self.assertFalse(self.march.filtered("sale_line_id"))
