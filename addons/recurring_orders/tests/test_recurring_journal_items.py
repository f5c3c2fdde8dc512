"""Journal items computed before create() (recurring.invoice.journal.items) against Odoo's own
synchronisation: the same invoice values created both ways must give the same journal items."""

import copy

from freezegun import freeze_time

from odoo.fields import Command
from odoo.tests import tagged

from .common import D, RecurringOrdersCase

ITEM_FIELDS = (
    "display_type",
    "name",
    "account_id",
    "partner_id",
    "product_id",
    "quantity",
    "price_unit",
    "discount",
    "balance",
    "amount_currency",
    "currency_id",
    "tax_ids",
    "tax_line_id",
    "tax_repartition_line_id",
    "tax_tag_ids",
    "tax_base_amount",
    "group_tax_id",
    "date_maturity",
    "discount_date",
    "analytic_distribution",
    "sale_line_ids",
)
INVOICE_FIELDS = ("amount_untaxed", "amount_tax", "amount_total", "invoice_date_due", "payment_reference")


@tagged("post_install", "-at_install")
@freeze_time("2026-01-05")
class TestRecurringJournalItems(RecurringOrdersCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.company
        cls.tax_account = cls.env["account.account"].create(
            {"name": "VAT collected (tests)", "code": "445799", "account_type": "liability_current"}
        )
        cls.included_tax, cls.fixed_tax, cls.reduced_tax = cls.env["account.tax"].create(
            [
                {
                    "name": "VAT 10% included (tests)",
                    "amount": 10.0,
                    "price_include_override": "tax_included",
                    "type_tax_use": "sale",
                    "company_id": company.id,
                },
                {
                    "name": "Eco fee 1.5 (tests)",
                    "amount": 1.5,
                    "amount_type": "fixed",
                    "type_tax_use": "sale",
                    "include_base_amount": True,
                    "sequence": 1,
                    "company_id": company.id,
                },
                {
                    "name": "VAT 5.5% (tests)",
                    "amount": 5.5,
                    "type_tax_use": "sale",
                    "company_id": company.id,
                },
            ]
        )
        # Tax amounts posted to a tax account (in the tax closing), as real VAT is: such tax lines do not
        # depend on the analytic distribution of their lines.
        (cls.tax | cls.included_tax | cls.fixed_tax | cls.reduced_tax).invoice_repartition_line_ids.filtered(
            lambda line: line.repartition_type == "tax"
        ).account_id = cls.tax_account
        cls.other_income = cls.env["account.account"].create(
            {"name": "Export sales (tests)", "code": "706999", "account_type": "income"}
        )
        cls.export_position = cls.env["account.fiscal.position"].create(
            {
                "name": "Export (tests)",
                "account_ids": [
                    Command.create(
                        {
                            "account_src_id": cls.product_subscription.product_tmpl_id.get_product_accounts()[
                                "income"
                            ].id,
                            "account_dest_id": cls.other_income.id,
                        }
                    )
                ],
            }
        )
        # Odoo 19 maps taxes from the replacing tax: the reduced VAT replaces the 20% one for export.
        cls.reduced_tax.write(
            {
                "fiscal_position_ids": [Command.link(cls.export_position.id)],
                "original_tax_ids": [Command.link(cls.tax.id)],
            }
        )
        cls.split_term = cls.env["account.payment.term"].create(
            {
                "name": "30% now, 70% in 60 days (tests)",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 30.0, "nb_days": 0}),
                    Command.create({"value": "percent", "value_amount": 70.0, "nb_days": 60}),
                ],
            }
        )
        cls.term_30_days = cls.env.ref("account.account_payment_term_30days")

    def _values(self, order):
        generator = self.env["recurring.invoice.generator"]
        plans, failures = generator._plan_invoices(order, D(2026, 1, 5))
        self.assertFalse(failures)
        vals_list = generator._invoice_values(order, plans)
        for vals in vals_list:
            # Two invoices of the same period are created here: one by each way.
            vals.update(recurring_order_id=False, recurring_period_start=False, recurring_period_end=False)
        return vals_list

    def _create_both_ways(self, order):
        vals_list = self._values(order)
        completed = self.env["recurring.invoice.journal.items"]._complete(
            copy.deepcopy(vals_list), self.company
        )
        self.assertTrue(all("line_ids" in vals for vals in completed), "the invoices were not completed")
        Move = self.env["account.move"].with_context(default_move_type="out_invoice")
        return Move.create(completed), Move.create(vals_list)

    def _items(self, invoice):
        """The invoice's journal items as comparable tuples; its own number (posted receivable lines are
        named after it) replaced by a placeholder."""

        def value(line, name):
            value = line._fields[name].convert_to_write(line[name], line)
            if name == "name" and value and invoice.name not in (False, "/"):
                return value.replace(invoice.name, "<number>")
            return value

        return sorted(
            (tuple(value(line, name) for name in ITEM_FIELDS) for line in invoice.line_ids), key=repr
        )

    def assertSameInvoices(self, completed, synchronised):
        self.assertEqual(len(completed), len(synchronised))
        for ours, odoo in zip(completed, synchronised, strict=True):
            self.assertEqual(self._items(ours), self._items(odoo))
            self.assertEqual([ours[name] for name in INVOICE_FIELDS], [odoo[name] for name in INVOICE_FIELDS])
        (completed | synchronised).action_post()
        for ours, odoo in zip(completed, synchronised, strict=True):
            self.assertEqual(self._items(ours), self._items(odoo))

    def test_default_order(self):
        order = self._create_order(recurrence_payment_term_id=self.term_30_days.id)
        completed, synchronised = self._create_both_ways(order)
        self.assertSameInvoices(completed, synchronised)
        self.assertEqual(
            (completed.amount_untaxed, completed.amount_tax, completed.amount_total), (210.0, 42.0, 252.0)
        )
        self.assertEqual(completed.invoice_date_due, D(2026, 2, 4))  # dated the day of generation, 30 days
        self.assertEqual(
            set(completed.line_ids.mapped("display_type")),
            {"line_section", "line_note", "product", "tax", "payment_term"},
        )

    def test_several_taxes_fiscal_position_and_installments(self):
        order = self._create_order(
            fiscal_position_id=self.export_position.id, recurrence_payment_term_id=self.split_term.id
        )
        order.order_line.filtered(lambda line: line.product_id == self.product_option).write(
            {"tax_ids": [Command.set((self.fixed_tax | self.included_tax).ids)], "price_unit": 33.33}
        )
        order.order_line = [
            Command.create(
                {
                    "product_id": self.product_option.id,
                    "product_uom_qty": 3.0,
                    "price_unit": 0.07,
                    "discount": 33.0,
                    "tax_ids": [Command.set((self.reduced_tax | self.included_tax).ids)],
                }
            )
        ]
        completed, synchronised = self._create_both_ways(order)
        self.assertSameInvoices(completed, synchronised)
        self.assertEqual(
            len(completed.line_ids.filtered(lambda line: line.display_type == "payment_term")), 2
        )
        self.assertIn(self.other_income, completed.invoice_line_ids.account_id)
        self.assertIn(self.tax_account, completed.line_ids.account_id)

    def test_without_payment_term(self):
        order = self._create_order()
        completed, synchronised = self._create_both_ways(order)
        self.assertSameInvoices(completed, synchronised)
        self.assertEqual(completed.invoice_date_due, D(2026, 1, 5))

    def test_catch_up_dated_in_the_past(self):
        for term in (self.env["account.payment.term"], self.split_term):
            order = self._create_order(
                recurrence_date_start=D(2025, 10, 1), recurrence_payment_term_id=term.id
            )
            completed, synchronised = self._create_both_ways(order)
            self.assertEqual(len(completed), 4)
            self.assertSameInvoices(completed, synchronised)

    def test_prorated_quantities(self):
        """A prorated period: the completed journal items carry the prorated quantities and amounts."""
        order = self._create_order(
            recurrence_date_start=D(2025, 11, 20),
            recurrence_prorate=True,
            recurrence_payment_term_id=self.split_term.id,
        )
        completed, synchronised = self._create_both_ways(order)
        self.assertSameInvoices(completed, synchronised)
        # November 20-30 is 11/30 of the month: 2 x 11/30 = 0.73, 1 x 11/30 = 0.37 units.
        self.assertEqual(
            [invoice.invoice_line_ids.filtered("product_id").mapped("quantity") for invoice in completed],
            [[0.73, 0.37], [2.0, 1.0]],
        )
        self.assertEqual(completed.mapped("amount_untaxed"), [76.8, 210.0])

    def test_rounding_globally(self):
        self.company.tax_calculation_rounding_method = "round_globally"
        order = self._create_order(recurrence_payment_term_id=self.split_term.id)
        order.order_line.filtered("product_id").write({"price_unit": 0.335, "product_uom_qty": 7.0})
        completed, synchronised = self._create_both_ways(order)
        self.assertSameInvoices(completed, synchronised)

    def test_invoices_it_cannot_complete_are_left_to_odoo(self):
        early_discount = self.env["account.payment.term"].create(
            {
                "name": "2% at 10 days (tests)",
                "early_discount": True,
                "discount_percentage": 2.0,
                "discount_days": 10,
                "line_ids": [Command.create({"value": "percent", "value_amount": 100.0, "nb_days": 30})],
            }
        )
        analytic_tax = self.tax.copy({"name": "VAT 20% analytic (tests)", "analytic": True})
        # Tax lines outside the tax closing carry their base line's analytic distribution (also in a group).
        unaccounted_tax = self.tax.copy({"name": "VAT 20% without account (tests)"})
        unaccounted_tax.invoice_repartition_line_ids.account_id = False
        group = self.env["account.tax"].create(
            {
                "name": "Group (tests)",
                "amount_type": "group",
                "type_tax_use": "sale",
                "children_tax_ids": [Command.set((self.reduced_tax | unaccounted_tax).ids)],
            }
        )
        orders = [self._create_order(recurrence_payment_term_id=early_discount.id)]
        for tax in (analytic_tax, unaccounted_tax, group):
            orders.append(self._create_order(recurrence_payment_term_id=self.term_30_days.id))
            orders[-1].order_line.filtered("product_id")[:1].tax_ids = tax
        items = self.env["recurring.invoice.journal.items"]
        for order in orders:
            vals_list = self._values(order)
            self.assertEqual(items._complete(copy.deepcopy(vals_list), self.company), vals_list)
        consumption_line = {"product_id": self.product_option.id, "quantity": 1.0, "price_unit": 5.0}
        vals = self._values(self._create_order(recurrence_payment_term_id=self.term_30_days.id))[0]
        vals["invoice_line_ids"].append(Command.create(consumption_line))
        self.assertNotIn("line_ids", items._complete([vals], self.company)[0])

    def test_complete_and_incomplete_invoices_created_together(self):
        """Odoo adds no receivable line to any invoice of a create() where one invoice brings its own:
        _create_invoices creates them apart and returns them in the order of the values."""
        consumption_line = {"product_id": self.product_option.id, "quantity": 2.0, "price_unit": 5.0}
        incomplete, complete = (
            self._values(self._create_order(recurrence_payment_term_id=self.term_30_days.id))[0]
            for _order in range(2)
        )
        incomplete["invoice_line_ids"].append(Command.create(consumption_line))
        moves = self.env["account.move"].with_context(default_move_type="out_invoice")
        invoices = self.env["recurring.invoice.journal.items"]._create_invoices(
            moves, [incomplete, complete], self.company
        )
        self.assertEqual(
            invoices.mapped("invoice_origin"), [incomplete["invoice_origin"], complete["invoice_origin"]]
        )
        self.assertEqual(invoices.mapped("amount_total"), [264.0, 252.0])
        for invoice in invoices:
            receivable = invoice.line_ids.filtered(lambda line: line.display_type == "payment_term")
            self.assertEqual(receivable.balance, invoice.amount_total)
        invoices.action_post()
        self.assertEqual(invoices.mapped("state"), ["posted", "posted"])

    def test_default_cash_rounding_is_left_to_odoo(self):
        rounding = self.env["account.cash.rounding"].create(
            {
                "name": "Round to 1.00 (tests)",
                "rounding": 1.0,
                "strategy": "add_invoice_line",
                "profit_account_id": self.other_income.id,
                "loss_account_id": self.other_income.id,
            }
        )
        self.env["ir.default"].set("account.move", "invoice_cash_rounding_id", rounding.id)
        order = self._create_order(recurrence_payment_term_id=self.term_30_days.id)
        order.order_line.filtered(lambda line: line.product_id == self.product_option).price_unit = 30.33
        moves = self.env["account.move"].with_context(default_move_type="out_invoice")
        invoice = self.env["recurring.invoice.journal.items"]._create_invoices(
            moves, self._values(order), self.company
        )
        self.assertEqual(invoice.invoice_cash_rounding_id, rounding)
        self.assertEqual(invoice.amount_total, 252.0)
        self.assertTrue(invoice.line_ids.filtered(lambda line: line.display_type == "rounding"))
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")

    @freeze_time("2026-02-10")
    def test_switch_back_to_odoos_own_creation_gives_the_same_invoices(self):
        """With ``recurring_orders.precompute_journal_items`` at 0 the generator hands every invoice to
        Odoo's synchronisation: the same orders give the same journal items either way."""
        Journal = self.env["recurring.invoice.journal.items"]
        parameters = self.env["ir.config_parameter"].sudo()
        terms = {"recurrence_payment_term_id": self.split_term.id}
        precomputed, by_odoo = self._create_order(**terms), self._create_order(**terms)
        self.assertTrue(Journal._precomputes_journal_items())
        ours, _failures = self._generate(precomputed)
        for value, precomputes in (("0", False), ("false", False), ("1", True), ("0", False)):
            parameters.set_param("recurring_orders.precompute_journal_items", value)
            self.assertEqual(Journal._precomputes_journal_items(), precomputes, value)
        odoos, _failures = self._generate(by_odoo)
        self.assertEqual((len(ours), len(odoos)), (2, 2), "January and February")
        # Two orders: their own order lines and invoice numbers aside, every journal item is the same.
        skipped = ITEM_FIELDS.index("sale_line_ids")
        totals = [name for name in INVOICE_FIELDS if name != "payment_reference"]

        def comparable(invoice):
            order = invoice.recurring_order_id.name
            return sorted(
                (
                    tuple(
                        value.replace(order, "<order>") if isinstance(value, str) else value for value in item
                    )
                    for item in (item[:skipped] + item[skipped + 1 :] for item in self._items(invoice))
                ),
                key=repr,
            )

        def analytic_items(invoice):
            items = invoice.line_ids.analytic_line_ids
            return sorted((item._get_distribution_key(), item.amount) for item in items)

        for mine, odoo in zip(ours, odoos, strict=True):
            self.assertEqual(comparable(mine), comparable(odoo))
            self.assertEqual([mine[name] for name in totals], [odoo[name] for name in totals])
            # Posted with the analytic line of the order's analytic product line, either way.
            self.assertEqual(analytic_items(mine), [(str(self.analytic_account.id), 180.0)])
            self.assertEqual(analytic_items(mine), analytic_items(odoo))
