from odoo.addons.pricelist_priority.models.billing_price_source_mixin import PRICE_SOURCE_WRITE
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged

from .common import BillingPriceCase

# The context of billing code giving lines their resolved sources.
RESOLVING = {"billing_price_source_write": PRICE_SOURCE_WRITE}


@tagged("post_install", "-at_install")
class TestPriceSource(BillingPriceCase):
    def test_selection_on_sale_and_invoice_lines(self):
        expected = [
            ("explicit", "Explicit rate"),
            ("pricelist", "Price list"),
            ("catalog", "Catalog price"),
            ("manual", "Set by hand"),
        ]
        for model in ("sale.order.line", "account.move.line"):
            field = self.env[model]._fields["price_source"]
            self.assertEqual(field.selection, expected)
            self.assertEqual(field.string, "Price Source")

    def test_invoice_line_keeps_the_source_of_the_order_line(self):
        self.phone_units.invoice_policy = "order"
        order = (
            self.env["sale.order"]
            .with_context(**RESOLVING)
            .create(
                {
                    "partner_id": self.customer.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.phone_units.id,
                                "product_uom_qty": 3,
                                "price_unit": 0.0,
                                "price_source": "pricelist",
                            }
                        ),
                        Command.create(
                            {"product_id": self.sms.id, "product_uom_qty": 5, "price_source": "catalog"}
                        ),
                    ],
                }
            )
        )
        order = order.with_env(self.env)
        order.action_confirm()
        invoice = order._create_invoices()
        lines = invoice.invoice_line_ids.sorted(lambda line: line.product_id.name)
        self.assertEqual(lines.mapped("product_id"), self.sms + self.phone_units)
        self.assertEqual(lines.mapped("price_source"), ["catalog", "pricelist"])
        self.assertEqual(lines.mapped("price_unit"), [0.5, 0.0])

    def _resolved_order(self):
        """An order as the consumption billing makes it: resolved prices with their sources."""
        self.phone_units.invoice_policy = "order"
        self.sms.invoice_policy = "order"
        order = (
            self.env["sale.order"]
            .with_context(**RESOLVING)
            .create(
                {
                    "partner_id": self.customer.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.phone_units.id,
                                "product_uom_qty": 100,
                                "price_unit": 0.12,
                                "price_source": "explicit",
                            }
                        ),
                        Command.create(
                            {
                                "product_id": self.sms.id,
                                "product_uom_qty": 5,
                                "price_unit": 0.3,
                                "price_source": "pricelist",
                            }
                        ),
                    ],
                }
            )
        )
        order = order.with_env(self.env)
        return order, *order.order_line.sorted(lambda line: line.product_id != self.phone_units)

    def test_a_price_typed_over_a_resolved_one_is_set_by_hand(self):
        order, phone_line, sms_line = self._resolved_order()
        with Form(order) as order_form, order_form.order_line.edit(0) as line_form:
            self.assertEqual(line_form.product_id, self.phone_units)
            line_form.price_unit = 0.04
        self.assertEqual((phone_line.price_unit, phone_line.price_source), (0.04, "manual"))
        self.assertEqual(sms_line.price_source, "pricelist", "the other line is untouched")

        # The same price written again, or a price given with its source by billing code, keeps what is
        # given.
        sms_line.price_unit = 0.3
        self.assertEqual(sms_line.price_source, "pricelist")
        sms_line.with_context(**RESOLVING).write({"price_unit": 0.25, "price_source": "explicit"})
        self.assertEqual(sms_line.price_source, "explicit")

        order.action_confirm()
        invoice = order._create_invoices()
        invoice_line = invoice.invoice_line_ids.filtered(lambda line: line.product_id == self.sms)
        self.assertEqual((invoice_line.price_unit, invoice_line.price_source), (0.25, "explicit"))
        with (
            Form(invoice) as invoice_form,
            invoice_form.invoice_line_ids.edit(
                list(invoice.invoice_line_ids).index(invoice_line)
            ) as line_form,
        ):
            line_form.price_unit = 0.35
        self.assertEqual((invoice_line.price_unit, invoice_line.price_source), (0.35, "manual"))

    def test_a_new_quantity_keeps_the_resolved_price(self):
        order, phone_line, sms_line = self._resolved_order()
        with Form(order) as order_form, order_form.order_line.edit(0) as line_form:
            line_form.product_uom_qty = 150
        self.assertEqual((phone_line.price_unit, phone_line.price_source), (0.12, "explicit"))
        sms_line.product_uom_qty = 50
        self.assertEqual((sms_line.price_unit, sms_line.price_source), (0.3, "pricelist"))

    def test_odoo_repricing_leaves_no_source(self):
        order, phone_line, sms_line = self._resolved_order()
        # A new product, in a form or by a write: Odoo prices it, the resolution no longer explains it.
        with Form(order) as order_form, order_form.order_line.edit(0) as line_form:
            line_form.product_id = self.storage
        self.assertEqual(phone_line.product_id, self.storage)
        self.assertEqual((phone_line.price_unit, phone_line.price_source), (self.storage.lst_price, False))
        sms_line.product_id = self.phone_units
        self.assertFalse(sms_line.price_source)
        # "Update Prices" reprices every line with Odoo's price list.
        order, phone_line, _sms_line = self._resolved_order()
        order.action_update_prices()
        self.assertEqual(order.order_line.mapped("price_source"), [False, False])
        self.assertNotEqual(phone_line.price_unit, 0.12)

    def test_invoice_line_with_a_new_product_has_no_source(self):
        order, _phone_line, _sms_line = self._resolved_order()
        order.action_confirm()
        invoice = order._create_invoices()
        with Form(invoice) as invoice_form, invoice_form.invoice_line_ids.edit(0) as line_form:
            line_form.product_id = self.storage
        line = invoice.invoice_line_ids.filtered(lambda line: line.product_id == self.storage)
        self.assertEqual((line.price_unit, line.price_source), (self.storage.lst_price, False))

    def test_fiscal_position_conversion_keeps_the_source(self):
        """A new fiscal position converts a tax-included price: the same price, not one set by hand."""
        included = self.env["account.tax"].create(
            {"name": "VAT 20% incl.", "amount": 20.0, "price_include_override": "tax_included"}
        )
        excluded = self.env["account.tax"].create({"name": "VAT 0%", "amount": 0.0})
        self.sms.taxes_id = included
        position = self.env["account.fiscal.position"].create({"name": "Export"})
        excluded.fiscal_position_ids = position
        excluded.original_tax_ids = included
        invoice = (
            self.env["account.move"]
            .with_context(**RESOLVING)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": self.sms.id,
                                "quantity": 1,
                                "price_unit": 1.2,
                                "price_source": "explicit",
                                "tax_ids": [Command.set(included.ids)],
                            }
                        )
                    ],
                }
            )
        )
        invoice = invoice.with_env(self.env)
        invoice.fiscal_position_id = position
        invoice.action_update_fpos_values()
        line = invoice.invoice_line_ids
        self.assertEqual(line.tax_ids, excluded)
        self.assertAlmostEqual(line.price_unit, 1.0)
        self.assertEqual(line.price_source, "explicit")

    def test_optional_column_in_order_and_invoice_forms(self):
        order_form = Form(self.env["sale.order"])
        order_form.partner_id = self.customer
        with order_form.order_line.new() as line:
            line.product_id = self.storage
        order = order_form.save()
        self.assertFalse(order.order_line.price_source)
        for view in ("sale.view_order_form", "account.view_move_form"):
            arch = self.env.ref(view)._get_combined_arch()
            columns = arch.xpath("//list/field[@name='price_source']")
            self.assertEqual(len(columns), 1, view)
            self.assertEqual(columns[0].get("optional"), "hide")

    def test_a_client_cannot_give_a_resolved_source(self):
        """A resolved source says the billing resolution made the price: a form, an import, an RPC call
        or a context default cannot claim it, nor change what a posted invoice shows."""
        accountant = new_test_user(
            self.env,
            "source_accountant",
            groups="account.group_account_invoice,sales_team.group_sale_salesman",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        Move = self.env["account.move"].with_user(accountant)
        line_values = {"product_id": self.sms.id, "quantity": 1, "price_unit": 99.0}
        for source in ("explicit", "pricelist", "catalog"):
            with self.subTest(source=source), self.assertRaisesRegex(UserError, "billing price resolution"):
                Move.create(
                    {
                        "move_type": "out_invoice",
                        "partner_id": self.customer.id,
                        "invoice_line_ids": [Command.create({**line_values, "price_source": source})],
                    }
                )
        invoice = Move.with_context(default_price_source="pricelist").create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_line_ids": [Command.create(line_values)],
            }
        )
        line = invoice.invoice_line_ids
        self.assertFalse(line.price_source, "a context default gives no source")
        with self.assertRaisesRegex(UserError, "billing price resolution"):
            line.write({"price_source": "pricelist"})
        line.write({"price_source": "manual"})
        self.assertEqual(line.price_source, "manual", "a user may say the price is theirs")

        resolved = (
            self.env["account.move"]
            .with_context(**RESOLVING)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_line_ids": [Command.create({**line_values, "price_source": "pricelist"})],
                }
            )
        )
        resolved = Move.browse(resolved.id)
        resolved.invoice_line_ids.write({"price_source": "pricelist", "name": "SMS"})  # a form saving it back
        resolved.action_post()
        for source in (False, "manual"):
            with self.subTest(source=source), self.assertRaisesRegex(UserError, "invoice is posted"):
                resolved.invoice_line_ids.write({"price_source": source})
        self.assertEqual(resolved.invoice_line_ids.price_source, "pricelist")
        self.assertFalse(
            resolved.copy().invoice_line_ids.price_source, "a copy's price was not resolved for it"
        )
