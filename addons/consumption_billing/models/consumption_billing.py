"""THE billing engine: every path that bills consumption (invoice wizard, order wizard, recurring orders)
goes through it. Entry points gather their inputs and decide where the lines go; the engine selects and
locks the unbilled records, aggregates them, prices them and gives the values that link them."""

from collections import defaultdict

from babel.dates import format_date

from odoo import Command, api, fields, models
from odoo.addons.pricelist_priority.models.billing_price_source_mixin import PRICE_SOURCE_WRITE
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL, date_utils, float_round
from odoo.tools.misc import babel_locale_parse

from .consumption_record import BILLING_ENGINE_WRITE

# How billed consumption is grouped into lines: the entry points' fields and the engine read it.
GROUPING_SELECTION = [("period", "One line per product"), ("month", "One line per product and month")]
GROUPINGS = tuple(key for key, _label in GROUPING_SELECTION)
# Not billed, not pointing at an invoice (filled by hand or by posting), not reserved by a document line.
UNBILLED_DOMAIN = Domain(
    [
        ("billed", "=", False),
        ("invoice_id", "=", False),
        ("invoice_line_id", "=", False),
        ("sale_line_id", "=", False),
    ]
)


class ConsumptionBilling(models.AbstractModel):
    _name = "consumption.billing"
    _description = "Consumption Billing Engine"

    @api.model
    def _prepare_billing(self, requests, lock=True):
        """Billing lines of the unbilled consumption of each request, locked against concurrent billing
        (``lock`` False: no row locks, for previews, which bill nothing).

        ``requests``: list of dicts with ``partner_id``, ``date_from``, ``date_to`` (inclusive),
        ``company_id``
        and optional ``domain``, ``grouping`` ('period': one line per product, or 'month': one line per
        product per calendar month), ``currency_id``, ``pricelist_partner_id``, ``date`` (pricing date,
        default ``date_to``). The consumption of every contact of the customer's commercial entity counts.

        Returns, per request and in the same order, a list of billing lines sorted by product then
        period: dicts with ``product_id``, ``quantity`` (in the product's unit), ``uom_id``, ``price_unit``
        (the highest rate among the line's records, each priced at the line's cumulated quantity),
        ``price_source``, ``rule_id``, ``currency_id``, ``name``, ``record_ids``, ``date_from``, ``date_to``.
        A record is on one line of one request only, even when requests overlap.

        Internal: the documents created from these lines link the records, in the context given by
        ``_engine_context()``.
        """
        requests = [self._check_request(index, request) for index, request in enumerate(requests)]
        records_by_request = self._select_unbilled(requests, lock)
        lines_by_request = [
            self._aggregate(request, records)
            for request, records in zip(requests, records_by_request, strict=True)
        ]
        self._price_lines(
            [
                (request, line)
                for request, lines in zip(requests, lines_by_request, strict=True)
                for line in lines
            ]
        )
        for request, lines in zip(requests, lines_by_request, strict=True):
            for line in lines:
                line["name"] = self._line_name(request, line)
            lines.sort(key=lambda line: (line.pop("sort_name"), line["date_from"]))
        return lines_by_request

    # ------------------------------------------------------------------------------------------------
    # Requests
    # ------------------------------------------------------------------------------------------------

    @api.model
    def _check_request(self, index, request):
        def required(key):
            if not request.get(key):
                raise UserError(
                    self.env._("Billing request %(index)s: %(key)s is required.", index=index, key=key)
                )
            return request[key]

        date_from = fields.Date.to_date(required("date_from"))
        date_to = fields.Date.to_date(required("date_to"))
        if date_to < date_from:
            raise UserError(
                self.env._(
                    "The billing period ends (%(date_to)s) before it starts (%(date_from)s): choose an end "
                    "date on or after the start date.",
                    date_from=date_from,
                    date_to=date_to,
                )
            )
        grouping = request.get("grouping") or "period"
        if grouping not in GROUPINGS:
            raise UserError(
                self.env._("Billing request %(index)s: grouping must be 'period' or 'month'.", index=index)
            )
        partner = self.env["res.partner"].browse(required("partner_id"))
        return {
            "partner": partner,
            "commercial_partner": partner.commercial_partner_id,
            "pricelist_partner": self.env["res.partner"].browse(
                request.get("pricelist_partner_id") or partner.id
            ),
            "company": self.env["res.company"].browse(required("company_id")),
            "currency_id": request.get("currency_id") or False,
            "date_from": date_from,
            "date_to": date_to,
            "date": fields.Date.to_date(request.get("date")) or date_to,
            "grouping": grouping,
            "domain": Domain(request.get("domain") or Domain.TRUE),
        }

    # ------------------------------------------------------------------------------------------------
    # Selection and locks
    # ------------------------------------------------------------------------------------------------

    @api.model
    def _select_unbilled(self, requests, lock):
        """The unbilled records of each request: one search per distinct (extra domain, company), then
        the rows are locked (FOR UPDATE, in id order so two billers never deadlock). A concurrent biller
        that linked some of them first makes this transaction fail with a serialization error; Odoo
        retries it, and the retry no longer sees them as unbilled."""
        Record = self.env["consumption.record"]
        searches = defaultdict(list)
        for position, request in enumerate(requests):
            searches[repr(list(request["domain"])), request["company"].id].append(position)
        records_by_request = [Record] * len(requests)
        taken = set()
        for positions in searches.values():
            group = [requests[position] for position in positions]
            domain = (
                UNBILLED_DOMAIN
                & group[0]["domain"]
                & Domain(
                    [
                        ("company_id", "=", group[0]["company"].id),
                        (
                            "partner_id.commercial_partner_id",
                            "in",
                            [request["commercial_partner"].id for request in group],
                        ),
                        ("date", ">=", min(request["date_from"] for request in group)),
                        ("date", "<=", max(request["date_to"] for request in group)),
                    ]
                )
            )
            records = Record.search_fetch(
                domain,
                ["partner_id", "product_id", "date", "quantity", "uom_id", "rate", "has_rate"],
                order="date, id",
            )
            if lock and records:
                records = self._lock(records)
            by_customer = defaultdict(list)
            for record in records:
                by_customer[record.partner_id.commercial_partner_id.id].append(record)
            for position, request in zip(positions, group, strict=True):
                mine = [
                    record
                    for record in by_customer[request["commercial_partner"].id]
                    if record.id not in taken and request["date_from"] <= record.date <= request["date_to"]
                ]
                taken.update(record.id for record in mine)
                records_by_request[position] = Record.browse([record.id for record in mine])
        return records_by_request

    @api.model
    def _lock(self, records):
        Record = self.env["consumption.record"]
        Record.flush_model()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM consumption_record WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
                list(records.ids),
            )
        )
        locked_ids = {row[0] for row in self.env.cr.fetchall()}
        return records.filtered(lambda record: record.id in locked_ids)

    # ------------------------------------------------------------------------------------------------
    # Aggregation and prices
    # ------------------------------------------------------------------------------------------------

    @api.model
    def _aggregate(self, request, records):
        """One line per product (and per calendar month with grouping 'month'), quantities converted into
        the product's unit and cumulated."""
        lines = {}
        for record in records:
            product = record.product_id
            date_from, date_to = request["date_from"], request["date_to"]
            if request["grouping"] == "month":
                date_from = max(date_from, date_utils.start_of(record.date, "month"))
                date_to = min(date_to, date_utils.end_of(record.date, "month"))
            line = lines.setdefault(
                (product.id, date_from),
                {
                    "product": product,
                    "date_from": date_from,
                    "date_to": date_to,
                    "records": [],
                    "quantity": 0.0,
                },
            )
            line["records"].append(record)
            line["quantity"] += record.uom_id._compute_quantity(record.quantity, product.uom_id, round=False)
        quantity_digits = self.env["decimal.precision"].precision_get("Product Unit")
        return [
            {
                "product_id": line["product"].id,
                "quantity": float_round(line["quantity"], precision_digits=quantity_digits),
                "uom_id": line["product"].uom_id.id,
                "record_ids": [record.id for record in line["records"]],
                "date_from": line["date_from"],
                "date_to": line["date_to"],
                "sort_name": line["product"].display_name,
                "records": line["records"],
            }
            for line in lines.values()
        ]

    @api.model
    def _price_lines(self, request_lines):
        """Price every line of every request with one resolve_billing_prices() call: the price-list (or
        catalog) rate at the line's cumulated quantity, compared with the own rates of its records; the
        highest applies to the whole line, and says where it comes from."""
        if not request_lines:
            return
        resolved = self.env["product.pricelist"].resolve_billing_prices(
            [
                {
                    "partner_id": request["pricelist_partner"].id,
                    "product_id": line["product_id"],
                    "quantity": line["quantity"],
                    "date": request["date"],
                    "uom_id": line["uom_id"],
                    "currency_id": request["currency_id"],
                    "company_id": request["company"].id,
                }
                for request, line in request_lines
            ]
        )
        Currency = self.env["res.currency"]
        price_digits = self.env["decimal.precision"].precision_get("Product Price")
        for (request, line), price in zip(request_lines, resolved, strict=True):
            currency = Currency.browse(price["currency_id"])
            records = line.pop("records")
            own_rates = [
                self._own_rate(record, currency, request, price_digits)
                for record in records
                if record.has_rate
            ]
            if len(own_rates) < len(records) and (not own_rates or price["price"] > max(own_rates)):
                line.update(price_unit=price["price"], price_source=price["source"], rule_id=price["rule_id"])
            else:
                line.update(price_unit=max(own_rates), price_source="explicit", rule_id=False)
            line["currency_id"] = currency.id

    @api.model
    def _own_rate(self, record, currency, request, price_digits):
        """The record's own rate per unit of its product, in the currency of the line."""
        rate = record.uom_id._compute_price(record.rate, record.product_id.uom_id)
        if record.currency_id != currency:
            rate = record.currency_id._convert(
                rate, currency, request["company"], request["date"], round=False
            )
        return float_round(rate, precision_digits=price_digits)

    @api.model
    def _line_name(self, request, line):
        """What the customer reads: product, period, number of records, in the customer's language."""
        lang = request["partner"].lang or self.env.lang or "en_US"
        env = self.with_context(lang=lang).env
        product = env["product.product"].browse(line["product_id"])
        locale = babel_locale_parse(lang)
        date_from, date_to = line["date_from"], line["date_to"]
        if date_from == date_utils.start_of(date_from, "month") and date_to == date_utils.end_of(
            date_from, "month"
        ):
            period = format_date(date_from, "MMMM y", locale=locale)
        else:
            period = env._(
                "%(date_from)s to %(date_to)s",
                date_from=format_date(date_from, "medium", locale=locale),
                date_to=format_date(date_to, "medium", locale=locale),
            )
        count = len(line["record_ids"])
        if count == 1:
            return env._("%(product)s, %(period)s (1 record)", product=product.name, period=period)
        return env._(
            "%(product)s, %(period)s (%(count)s records)", product=product.name, period=period, count=count
        )

    # ------------------------------------------------------------------------------------------------
    # Lines into documents: creating the line links the records
    # ------------------------------------------------------------------------------------------------

    @api.model
    def _prepare_invoice_line_values(self, billing_line, **optional_values):
        """Values of the invoice line (``invoice_line_ids``) billing one line of ``_prepare_billing()``;
        creating it links the line's records. Taxes and accounts are Odoo's (the product's taxes mapped by
        the fiscal position). ``optional_values`` (the caller's sequence, the run's
        ``_analytic_line_values()``) are added as given, like Odoo's ``_prepare_invoice_line()``.

        Override it to change the consumption lines of every invoice, whatever adds them (*Add
        consumption*, recurring invoices)."""
        return {
            **self._document_line_values(billing_line, quantity=billing_line["quantity"]),
            **optional_values,
        }

    @api.model
    def _prepare_sale_line_values(self, billing_line, **optional_values):
        """Values of the sale order line (``order_line``) billing one line of ``_prepare_billing()``;
        creating it links the line's records. Its quantity is delivered (consumed), so the order can be
        invoiced whatever the product's invoicing policy. Its price is net: without the explicit zero
        discount, Odoo would turn a percentage rule of the price list, already applied, into a line discount
        (when discounts are shown on order lines). ``optional_values`` (the run's
        ``_analytic_line_values()``) are added as given.

        Override it to change the consumption lines of every sale order the engine fills."""
        return {
            **self._document_line_values(
                billing_line,
                product_uom_qty=billing_line["quantity"],
                qty_delivered=billing_line["quantity"],
                discount=0.0,
            ),
            **optional_values,
        }

    @api.model
    def _engine_context(self):
        """The context in which documents are created from billing lines: the records' links and the
        lines' price sources are written by the engine (markers no RPC caller can forge)."""
        return {
            "consumption_billing_write": BILLING_ENGINE_WRITE,
            "billing_price_source_write": PRICE_SOURCE_WRITE,
        }

    @api.model
    def _document_line_values(self, billing_line, **quantities):
        """What invoice and order lines share: product, unit, price and its source, name, linked records;
        ``quantities`` in the document line's own quantity fields."""
        return {
            "product_id": billing_line["product_id"],
            **quantities,
            "product_uom_id": billing_line["uom_id"],
            "price_unit": billing_line["price_unit"],
            "name": billing_line["name"],
            "price_source": billing_line["price_source"],
            "consumption_record_ids": [Command.set(billing_line["record_ids"])],
        }

    @api.model
    def _analytic_line_values(self):
        """Values to add to every line of one billing run: ``analytic_distribution`` False when the database
        has no analytic distribution model, where Odoo would look one up for each new line and find none
        (most of a line's cost when billing 100,000 records); nothing when a model exists."""
        # sudo: only whether a model exists; a billing user may not read the analytic settings.
        if self.env["account.analytic.distribution.model"].sudo().search_count([], limit=1):
            return {}
        return {"analytic_distribution": False}

    @api.model
    def _check_income_accounts(self, billing_lines, company, fiscal_position=False, journal=False):
        """A product billed with an archived income account, or without one (and no default account on
        the journal), would fail when the invoice is posted: say it before anything is written."""
        products = (
            self.env["product.product"]
            .with_company(company)
            .browse({line["product_id"] for line in billing_lines})
        )
        income = {
            product: product.product_tmpl_id.get_product_accounts(fiscal_pos=fiscal_position)["income"]
            for product in products
        }
        archived = {product: account for product, account in income.items() if account and not account.active}
        if archived:
            raise UserError(
                self.env._(
                    "The income account of these products is archived: %(products)s. Set an active account "
                    "on the product or its category (Accounting tab) and bill again.",
                    products=", ".join(
                        f"{product.display_name} ({account.display_name})"
                        for product, account in archived.items()
                    ),
                )
            )
        if journal and journal.default_account_id:
            return
        missing = products.filtered(lambda product: not income[product])
        if missing:
            raise UserError(
                self.env._(
                    "These products have no income account: %(products)s. Set one on the product or its "
                    "category (Accounting tab) and bill again.",
                    products=", ".join(missing.mapped("display_name")),
                )
            )
