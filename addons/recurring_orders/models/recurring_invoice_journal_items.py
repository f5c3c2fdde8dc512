from collections import defaultdict

from odoo import api, fields, models
from odoo.fields import Command

LAYOUT_LINES = ("line_section", "line_subsection", "line_note")


class RecurringInvoiceJournalItems(models.AbstractModel):
    """Every journal item of a generated invoice, computed before ``account.move.create()``.

    Created with its product lines only, an invoice gets its tax and receivable lines from the
    synchronisation of ``account.move``, which writes them one line and one field at a time through the
    ORM: most of the cost of generating an invoice. Created with all of its journal items (product lines
    with their balance and tax tags, tax lines, payment term lines), the synchronisation has nothing left
    to do (it keeps the lines of a move created complete, as for imported moves).

    The amounts come from the functions the synchronisation itself calls, in the same order and with the
    same inputs: ``account.tax``'s ``_add_tax_details_in_base_lines``, ``_round_base_lines_tax_details``,
    ``_add_accounting_data_in_base_lines_tax_details`` and ``_prepare_tax_lines``, then the payment term's
    ``_compute_terms``. Only invoices whose every input is known here are completed; the others are left to
    the synchronisation, unchanged (see ``_is_completable``). Tests compare both ways, journal item by
    journal item.
    """

    _name = "recurring.invoice.journal.items"
    _description = "Recurring Invoice Journal Items"

    @api.model
    def _create_invoices(self, moves, vals_list, company):
        """``moves.create(vals_list)`` (``moves``: an ``account.move`` environment), with every invoice that
        can be completed created complete; the invoices come back in the order of ``vals_list``.

        Complete and incomplete invoices go to two ``create()`` calls: as soon as one invoice of a call
        brings its own receivable lines, Odoo's synchronisation adds none to any invoice of that call.
        Complete ones are created with ``skip_analytic_sync``: journal items created with their account
        run its inverse, which writes each item's analytic distribution back onto itself (one ``write()``
        per item, with a synchronisation of its invoice each) to rebuild the analytic lines of posted
        items; a draft invoice has none.
        """
        if not self._precomputes_journal_items():
            return moves.create(vals_list)
        if moves.default_get(["invoice_cash_rounding_id"]).get("invoice_cash_rounding_id"):
            return moves.create(vals_list)  # a default cash rounding adds a line to every invoice
        vals_list = self._complete(vals_list, company)
        created = {}
        for completed in (True, False):
            indexes = [index for index, vals in enumerate(vals_list) if ("line_ids" in vals) == completed]
            if indexes:
                creating = moves.with_context(skip_analytic_sync=True) if completed else moves
                created.update(
                    zip(indexes, creating.create([vals_list[index] for index in indexes]), strict=True)
                )
        return moves.browse([created[index].id for index in range(len(vals_list))])

    @api.model
    def _precomputes_journal_items(self):
        """Whether generated invoices are created with their journal items precomputed (the default). The
        system parameter ``recurring_orders.precompute_journal_items`` set to ``0`` hands every invoice to
        Odoo's own synchronisation: the way back if a localisation or an Odoo update computes taxes in a way
        this model does not."""
        value = self.env["ir.config_parameter"].sudo().get_param("recurring_orders.precompute_journal_items")
        return (value or "1").strip().lower() not in ("0", "false", "no")

    @api.model
    def _complete(self, vals_list, company):
        """Customer invoice values of ``company``, each with ``line_ids`` holding all of its journal items
        when it can be completed (the others are returned as they are)."""
        lookups = self._batch_lookups(vals_list, company)
        completed = [self._complete_one(vals, company, lookups) for vals in vals_list]
        if any("line_ids" in vals and not vals.get("journal_id") for vals in completed):
            # Odoo searches the default journal once per invoice; a complete invoice is a customer invoice
            # in the company's currency: one search gives the journal of them all.
            journal = (
                self.env["account.move"]
                .with_company(company)
                .new({"move_type": "out_invoice", "company_id": company.id})
                ._search_default_journal()
            )
            for vals in completed:
                if "line_ids" in vals and not vals.get("journal_id"):
                    vals["journal_id"] = journal.id
        return completed

    @api.model
    def _batch_lookups(self, vals_list, company):
        """What the invoices of one batch read, fetched once: the taxes that rule an invoice out and the
        income account of each product and fiscal position the lines need."""
        tax_ids, accounted = set(), set()
        for vals in vals_list:
            for line in self._product_line_values(vals):
                tax_ids.update(self._tax_ids(line) or ())
                if line.get("product_id") and not line.get("account_id"):
                    accounted.add((line["product_id"], vals.get("fiscal_position_id") or False))
        products = {
            product.id: product
            for product in self.env["product.product"]
            .with_company(company)
            .browse({pair[0] for pair in accounted})
        }
        Position = self.env["account.fiscal.position"]
        income = {
            (product_id, position_id): products[product_id].product_tmpl_id.get_product_accounts(
                fiscal_pos=Position.browse(position_id)
            )["income"]
            for product_id, position_id in accounted
        }
        return {
            "income": income,
            "unsupported_tax_ids": {
                tax.id
                for tax in self.env["account.tax"].browse(tax_ids)
                if any(self._depends_on_line_analytics(child) for child in tax.flatten_taxes_hierarchy())
            },
        }

    @api.model
    def _depends_on_line_analytics(self, tax):
        """Whether the tax lines of ``tax`` carry the analytic distribution of their base line (Odoo's
        tax line grouping key: an analytic tax, or an amount kept out of the tax closing), which Odoo
        may give an invoice line only once created (from its sale line or a distribution model); or
        whether the tax is due on payment (cash basis)."""
        return (
            tax.analytic
            or tax.tax_exigibility == "on_payment"
            or any(
                line.repartition_type == "tax" and not line.use_in_tax_closing
                for line in tax.invoice_repartition_line_ids
            )
        )

    @api.model
    def _product_line_values(self, vals):
        return [
            command[2]
            for command in vals.get("invoice_line_ids", ())
            if command[0] == Command.CREATE and command[2].get("display_type", "product") not in LAYOUT_LINES
        ]

    @api.model
    def _tax_ids(self, line):
        """The tax ids a line's values set explicitly (``[Command.set(ids)]``), else None."""
        commands = line.get("tax_ids")
        if not commands or len(commands) != 1 or commands[0][0] != Command.SET:
            return None
        return commands[0][2]

    @api.model
    def _is_completable(self, vals, lines, company, lookups):
        """Whether every input of the invoice's journal items is in its values: company currency, no early
        payment discount, an invoice date, no cash rounding, product lines (one at least) with a product, a
        quantity, a price, explicit taxes (none of them ``_depends_on_line_analytics``) and an active income
        account. ``lines``: its product lines' values (``_product_line_values``)."""
        term = self.env["account.payment.term"].browse(vals.get("invoice_payment_term_id"))
        if (
            vals.get("move_type") != "out_invoice"
            or vals.get("currency_id") != company.currency_id.id
            or not vals.get("invoice_date")
            or vals.get("invoice_cash_rounding_id")
            or term.early_discount
            or "line_ids" in vals
            or any(command[0] != Command.CREATE for command in vals.get("invoice_line_ids", ()))
        ):
            return False
        if not lines:
            return False
        for line in lines:
            if line.get("display_type", "product") != "product" or not all(
                key in line for key in ("product_id", "quantity", "price_unit")
            ):
                return False
            tax_ids = self._tax_ids(line)
            if tax_ids is None or lookups["unsupported_tax_ids"].intersection(tax_ids):
                return False
            account = self._income_account(vals, line, lookups)
            if not account or not account.active:
                return False
        return True

    @api.model
    def _income_account(self, vals, line, lookups):
        if line.get("account_id"):
            return self.env["account.account"].browse(line["account_id"])
        return lookups["income"].get((line["product_id"], vals.get("fiscal_position_id") or False))

    @api.model
    def _complete_one(self, vals, company, lookups):
        lines = self._product_line_values(vals)
        if not self._is_completable(vals, lines, company, lookups):
            return vals
        AccountTax = self.env["account.tax"]
        currency = company.currency_id
        partner = self.env["res.partner"].browse(vals["partner_id"]).commercial_partner_id
        base_lines = []
        for line in lines:
            base_lines.append(
                AccountTax._prepare_base_line_for_taxes_computation(
                    None,
                    product_id=self.env["product.product"].browse(line["product_id"]),
                    product_uom_id=self.env["uom.uom"].browse(line.get("product_uom_id")),
                    tax_ids=AccountTax.browse(self._tax_ids(line)),
                    price_unit=line["price_unit"],
                    quantity=line["quantity"],
                    discount=line.get("discount", 0.0),
                    currency_id=currency,
                    rate=1.0,
                    sign=-1,
                    is_refund=False,
                    partner_id=partner,
                    account_id=self._income_account(vals, line, lookups),
                    analytic_distribution=line.get("analytic_distribution"),
                    extra_tax_data=line.get("extra_tax_data"),
                    name=line.get("name"),
                    line_values=line,
                )
            )
        AccountTax._add_tax_details_in_base_lines(base_lines, company)
        AccountTax._round_base_lines_tax_details(base_lines, company)
        AccountTax._add_accounting_data_in_base_lines_tax_details(
            base_lines, company, include_caba_tags=False
        )
        tax_results = AccountTax._prepare_tax_lines(base_lines, company)

        product_lines = {}
        for base_line, amounts in tax_results["base_lines_to_update"]:
            line = base_line["line_values"]
            product_lines[id(line)] = {**line, "account_id": base_line["account_id"].id, **amounts}
        tax_lines = [{**values, "display_type": "tax"} for values in tax_results["tax_lines_to_add"]]
        line_commands = [
            Command.create(product_lines.get(id(command[2]), command[2]))
            for command in vals["invoice_line_ids"]
        ]
        line_commands += [Command.create(values) for values in tax_lines]
        line_commands += [
            Command.create(values)
            for values in self._payment_term_lines(
                vals,
                company,
                untaxed=-sum(amounts["balance"] for _line, amounts in tax_results["base_lines_to_update"]),
                tax=-sum(values["balance"] for values in tax_lines),
            )
        ]
        completed = {key: value for key, value in vals.items() if key != "invoice_line_ids"}
        completed["line_ids"] = line_commands
        return completed

    @api.model
    def _payment_term_lines(self, vals, company, untaxed, tax):
        """The receivable lines, as ``account.move._compute_needed_terms`` gives them for a stored
        customer invoice in the company currency: one per due date; without a payment term, one for the
        total, due on the invoice's due date or today."""
        term = self.env["account.payment.term"].browse(vals.get("invoice_payment_term_id"))
        if not term:
            due_date = vals.get("invoice_date_due") or fields.Date.context_today(self)
            total = untaxed + tax
            by_due_date = {due_date: {"balance": total, "amount_currency": total}}
        else:
            terms = term._compute_terms(
                date_ref=vals["invoice_date"],
                currency=company.currency_id,
                company=company,
                tax_amount=tax,
                tax_amount_currency=tax,
                untaxed_amount=untaxed,
                untaxed_amount_currency=untaxed,
                sign=1,
                cash_rounding=self.env["account.cash.rounding"],
            )
            by_due_date = defaultdict(lambda: {"balance": 0.0, "amount_currency": 0.0})
            for term_line in terms["line_ids"]:
                amounts = by_due_date[fields.Date.to_date(term_line["date"])]
                amounts["balance"] += term_line["company_amount"]
                amounts["amount_currency"] += term_line["foreign_amount"]
        return [
            {
                "display_type": "payment_term",
                "date_maturity": due_date,
                "discount_date": False,
                "discount_balance": 0.0,
                "discount_amount_currency": 0.0,
                **amounts,
            }
            for due_date, amounts in by_due_date.items()
        ]
