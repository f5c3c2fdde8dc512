"""Billing price resolution: explicit rate, else an applicable price-list rule, else the catalog price."""

from collections import defaultdict
from datetime import date as date_type
from datetime import datetime, time

import pytz

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_round

# Keyword argument carrying the preloaded rules through Odoo's price computation (see _get_applicable_rules).
PRELOADED_RULES_KWARG = "billing_preloaded_rules"
MAX_REPORTED_ERRORS = 20
# Largest quantity or price a request takes.
NUMBER_MAX = 1e12


class PreloadedBillingRules:
    """Rules of a set of price lists for a set of products, fetched once, ordered as Odoo orders them.

    Odoo searches the rules of a price list at each price computation; when thousands of prices are
    resolved at once this cache answers instead, without a query, rule by rule as Odoo's search would.
    """

    def __init__(self, pricelists, rules, products, tz):
        self.pricelist_ids = set(pricelists.ids)
        self.tz = tz
        # Plain values: matching 200 products against hundreds of rules must not go through the ORM.
        targets_by_pricelist = defaultdict(list)
        for rule in rules:
            targets_by_pricelist[rule.pricelist_id.id].append(
                (
                    rule.id,
                    rule.product_id.id,
                    rule.product_tmpl_id.id,
                    rule.categ_id.parent_path or "",
                )
            )
        Rule = rules.browse()
        self._rules = {}
        for pricelist_id, targets in targets_by_pricelist.items():
            for product in products:
                template_id, category_path = product.product_tmpl_id.id, product.categ_id.parent_path or ""
                rule_ids = [
                    rule_id
                    for rule_id, rule_product_id, rule_template_id, rule_category_path in targets
                    if (not rule_product_id or rule_product_id == product.id)
                    and (not rule_template_id or rule_template_id == template_id)
                    and category_path.startswith(rule_category_path)
                ]
                if rule_ids:
                    self._rules[pricelist_id, product.id] = Rule.browse(rule_ids)

    def covers(self, pricelist, products):
        return len(pricelist) == 1 and pricelist.id in self.pricelist_ids and len(products) == 1

    def rules_at(self, pricelist, product, when):
        """The rules of the price list for the product in effect at `when`: a date means the start of
        that day in the time zone of the resolution; a datetime is naive UTC, as Odoo stores them."""
        rules = self._rules.get((pricelist.id, product.id))
        if not rules:
            return pricelist.env["product.pricelist.item"]
        moment = _to_utc_moment(self.tz, when)
        return rules.filtered(
            lambda rule: (
                (not rule.date_start or rule.date_start <= moment)
                and (not rule.date_end or rule.date_end >= moment)
            )
        )


class ProductPricelist(models.Model):
    _inherit = "product.pricelist"

    def _get_applicable_rules(self, products, date, **kwargs):
        """Answer from the preloaded rules when a batched billing resolution is running."""
        preloaded = kwargs.get(PRELOADED_RULES_KWARG)
        if preloaded is not None and preloaded.covers(self, products):
            return preloaded.rules_at(self, products, date)
        return super()._get_applicable_rules(products, date, **kwargs)

    @api.model
    def resolve_billing_prices(self, requests):
        """Resolve the billing unit price of each request, in order, and say where it comes from.

        Each request is a dict: ``partner_id``, ``product_id``, ``quantity`` (required); ``date``
        (default today), ``uom_id`` (default the product's unit), ``currency_id`` (default the
        customer's price list currency, else the company currency), ``explicit_price`` (absent, None
        or False: none; 0.0 is an explicit price of 0) and ``company_id`` (default the current company).

        The price is the explicit price if given; else the price of the customer's price list rule
        that applies (product, variant, category or global rule, in its dates, minimum quantity
        reached with ``quantity``), even 0; else the product's catalog price.

        :return: one dict per request: ``price`` (per unit of ``uom_id``, in ``currency_id``),
            ``source`` ('explicit', 'pricelist' or 'catalog'), ``rule_id`` (int or False) and
            ``currency_id`` (int).
        :raise ValidationError: naming the request index and field of every bad request.
        """
        requests = list(requests or [])
        if not requests:
            return []
        parsed, errors = self._parse_billing_requests(requests)
        records = self._browse_billing_records(parsed, errors)
        self._check_billing_units(parsed, records, errors)
        pricelists = self._billing_pricelists(parsed, records)
        self._check_billing_conversions(parsed, records, pricelists, errors)
        if errors:
            self._raise_billing_request_errors(errors)
        return self._compute_billing_prices(parsed, records, pricelists)

    # --- input checks -------------------------------------------------------------------------------

    def _parse_billing_requests(self, requests):
        """Check the type of every value and normalize it; return (requests, errors)."""
        errors = []
        today = fields.Date.context_today(self)
        parsed = []
        for index, request in enumerate(requests):
            if not isinstance(request, dict):
                errors.append((index, "request", self.env._("must be a dictionary of values.")))
                parsed.append(None)
                continue
            values = {"index": index}
            for field_name, required in (
                ("partner_id", True),
                ("product_id", True),
                ("uom_id", False),
                ("currency_id", False),
                ("company_id", False),
            ):
                values[field_name] = _parse_id(
                    self.env, request.get(field_name), required, index, field_name, errors
                )
            values["quantity"] = _parse_quantity(self.env, request.get("quantity"), index, errors)
            values["explicit_price"] = _parse_explicit_price(
                self.env, request.get("explicit_price"), index, errors
            )
            values["date"] = _parse_date(self.env, request.get("date"), today, index, errors)
            parsed.append(values)
        return parsed, errors

    def _browse_billing_records(self, parsed, errors):
        """Browse every id of the requests at once, report the ids that do not exist."""
        records = {}
        for field_name, model in (
            ("partner_id", "res.partner"),
            ("product_id", "product.product"),
            ("uom_id", "uom.uom"),
            ("currency_id", "res.currency"),
            ("company_id", "res.company"),
        ):
            ids = {request[field_name] for request in parsed if request and request[field_name]}
            existing = self.env[model].browse(ids).exists()
            records[field_name] = {record.id: record for record in existing}
            for request in parsed:
                if request and request[field_name] and request[field_name] not in records[field_name]:
                    errors.append(
                        (
                            request["index"],
                            field_name,
                            self.env._("no record with id %(id)s exists.", id=request[field_name]),
                        )
                    )
        default_company = self.env.company
        records["company_id"].setdefault(default_company.id, default_company)
        for request in parsed:
            if request and not request["company_id"]:
                request["company_id"] = default_company.id
        return records

    def _check_billing_units(self, parsed, records, errors):
        """A requested unit must convert to the product's unit: in Odoo 19 two units convert when they
        share a reference unit (units of measure have no categories any more)."""
        for request in parsed:
            if not request or request["uom_id"] not in records["uom_id"]:
                continue
            product = records["product_id"].get(request["product_id"])
            uom = records["uom_id"][request["uom_id"]]
            if product and not uom._has_common_reference(product.uom_id):
                problem = self.env._(
                    "the unit %(unit)s cannot be converted to %(product_unit)s, the unit of "
                    "%(product)s: use a unit based on the same reference unit.",
                    unit=uom.display_name,
                    product_unit=product.uom_id.display_name,
                    product=product.display_name,
                )
                errors.append((request["index"], "uom_id", problem))

    def _billing_pricelists(self, parsed, records):
        """The price list of each (company id, partner id) of the requests, as Odoo assigns it.

        A price list of another company (a stale specific setting) is ignored: its rules never apply.
        """
        partner_ids_by_company = defaultdict(set)
        for request in parsed:
            if (
                request
                and request["partner_id"] in records["partner_id"]
                and request["company_id"] in records["company_id"]
            ):
                partner_ids_by_company[request["company_id"]].add(request["partner_id"])
        pricelists = {}
        for company_id, partner_ids in partner_ids_by_company.items():
            company = records["company_id"][company_id]
            partner_pricelists = self.with_company(company)._get_partner_pricelist_multi(list(partner_ids))
            for partner_id in partner_ids:
                pricelist = partner_pricelists.get(partner_id) or self.browse()
                if pricelist.company_id and pricelist.company_id not in company.parent_ids:
                    pricelist = self.browse()
                pricelists[company_id, partner_id] = pricelist
        return pricelists

    def _check_billing_conversions(self, parsed, records, pricelists, errors):
        """A currency that prices must be converted from or to needs at least one rate.

        Without a rate Odoo would silently convert at 1:1; a price in the wrong currency is worse
        than an error.
        """
        needs_rate = []
        for request in parsed:
            if not request or (request["company_id"], request["partner_id"]) not in pricelists:
                continue
            company = records["company_id"][request["company_id"]]
            pricelist = pricelists[request["company_id"], request["partner_id"]]
            source = pricelist.currency_id or company.currency_id
            target = records["currency_id"].get(request["currency_id"]) or source
            if request["currency_id"] and request["currency_id"] not in records["currency_id"]:
                continue
            if source != target and request["explicit_price"] is None:
                needs_rate.append((request, company, source, "partner_id"))
                needs_rate.append((request, company, target, "currency_id"))
        checked = [
            (request, company, currency, field_name)
            for request, company, currency, field_name in needs_rate
            if currency != company.currency_id
        ]
        if not checked:
            return
        rated = {
            (currency.id, company.id)
            for currency, company in self.env["res.currency.rate"]
            .sudo()
            ._read_group(
                [("currency_id", "in", list({currency.id for __, __, currency, __ in checked}))],
                ["currency_id", "company_id"],
            )
        }
        for request, company, currency, field_name in checked:
            if (currency.id, False) in rated or (currency.id, company.root_id.id) in rated:
                continue
            if field_name == "currency_id":
                problem = self.env._(
                    "the currency %(currency)s has no exchange rate: add one on the currency "
                    "(Accounting > Configuration > Currencies) or ask for the price in another currency.",
                    currency=currency.name,
                )
            else:
                problem = self.env._(
                    "the customer's price list is in %(currency)s, which has no exchange rate: add one "
                    "on the currency (Accounting > Configuration > Currencies).",
                    currency=currency.name,
                )
            errors.append((request["index"], field_name, problem))

    def _raise_billing_request_errors(self, errors):
        errors = sorted(set(errors))
        lines = [
            self.env._(
                "Request %(index)s, field %(field)s: %(problem)s",
                index=index,
                field=field_name,
                problem=problem,
            )
            for index, field_name, problem in errors[:MAX_REPORTED_ERRORS]
        ]
        if len(errors) > MAX_REPORTED_ERRORS:
            lines.append(self.env._("... and %(count)s more.", count=len(errors) - MAX_REPORTED_ERRORS))
        raise ValidationError(
            self.env._(
                "No billing price was resolved, some requests are invalid:\n%(lines)s", lines="\n".join(lines)
            )
        )

    # --- resolution ---------------------------------------------------------------------------------

    def _compute_billing_prices(self, parsed, records, pricelists):
        requests_by_company = defaultdict(list)
        for request in parsed:
            requests_by_company[request["company_id"]].append(request)
        results = [None] * len(parsed)
        # Read once: environments made for each company would each read the user's time zone again.
        tz = self.env.tz
        for company_id, company_requests in requests_by_company.items():
            company = records["company_id"][company_id]
            company_pricelists = {
                partner_id: pricelist.with_company(company)
                for (pricelist_company_id, partner_id), pricelist in pricelists.items()
                if pricelist_company_id == company_id
            }
            for index, result in self.with_company(company)._compute_company_billing_prices(
                company, company_requests, company_pricelists, records, tz
            ):
                results[index] = result
        return results

    def _compute_company_billing_prices(self, company, requests, pricelists, records, tz):
        """Yield (index, result) for the requests of one company; `pricelists` maps a partner id to
        its price list in that company."""
        currencies, uoms = records["currency_id"], records["uom_id"]
        products = self.env["product.product"].browse(
            {request["product_id"] for request in requests if request["explicit_price"] is None}
        )
        self._prefetch_billing_products(products)
        preloaded = self._preload_billing_rules(
            self.browse({pricelist.id for pricelist in pricelists.values()}), products, company, tz
        )
        digits = self.env["decimal.precision"].precision_get("Product Price")
        # Billing repeats the same product, quantity and date for many customers of the same list.
        resolved = {}
        for request in requests:
            pricelist = pricelists[request["partner_id"]]
            source_currency = pricelist.currency_id or company.currency_id
            currency = currencies.get(request["currency_id"]) or source_currency
            if request["explicit_price"] is not None:
                price, rule_id, source = request["explicit_price"], False, "explicit"
            else:
                product = products.browse(request["product_id"])
                uom = uoms.get(request["uom_id"]) or product.uom_id
                key = (pricelist.id, product.id, uom.id, request["quantity"], request["date"], currency.id)
                if key not in resolved:
                    price, rule_id = pricelist._compute_price_rule(
                        product,
                        request["quantity"],
                        currency=source_currency,
                        uom=uom,
                        date=request["date"],
                        **{PRELOADED_RULES_KWARG: preloaded},
                    )[product.id]
                    if currency != source_currency:
                        price = source_currency._convert(
                            price, currency, company, request["date"], round=False
                        )
                    resolved[key] = (float_round(price, precision_digits=digits), rule_id or False)
                price, rule_id = resolved[key]
                source = "pricelist" if rule_id else "catalog"
            result = {"price": price, "source": source, "rule_id": rule_id, "currency_id": currency.id}
            yield request["index"], result

    def _prefetch_billing_products(self, products):
        """Compute what Odoo's price computation reads on products for all of them at once: it reads
        them product by product, each in its own recordset, which would cost queries per product."""
        products.fetch(["product_tmpl_id", "uom_id", "categ_id"])
        products.mapped("price_extra")
        products.mapped("currency_id")
        products.mapped("cost_currency_id")
        products.mapped("list_price")
        products.uom_id.mapped("factor")

    def _preload_billing_rules(self, pricelists, products, company, tz):
        """Fetch, in one search per level of price lists based on other price lists, every rule that
        may apply to these products in this company, whatever the date and quantity."""
        Rule = self.env["product.pricelist.item"]
        rules = Rule.browse()
        loaded = self.browse()
        to_load = pricelists
        while to_load and products:
            level_rules = Rule.search(
                [
                    ("pricelist_id", "in", to_load.ids),
                    "|",
                    ("company_id", "=", False),
                    ("company_id", "parent_of", company.id),
                    "|",
                    ("categ_id", "=", False),
                    ("categ_id", "parent_of", products.categ_id.ids),
                    "|",
                    ("product_tmpl_id", "=", False),
                    ("product_tmpl_id", "in", products.product_tmpl_id.ids),
                    "|",
                    ("product_id", "=", False),
                    ("product_id", "in", products.ids),
                    *self._base_domain_item_ids(),
                ]
            )
            rules += level_rules  # each price list is loaded at one level: its rules keep their order
            loaded |= to_load
            to_load = level_rules.filtered(lambda rule: rule.base == "pricelist").base_pricelist_id - loaded
        # Read what the rule matching and price computation will read, in a few queries.
        rules.fetch(["pricelist_id", "product_id", "product_tmpl_id", "categ_id", "date_start", "date_end"])
        rules.categ_id.mapped("parent_path")
        products.categ_id.mapped("parent_path")
        return PreloadedBillingRules(loaded, rules, products, tz)


def _to_utc_moment(tz, value):
    """The naive UTC datetime at which rules must be in effect (see PreloadedBillingRules.rules_at)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date_type):
        local_start = tz.localize(datetime.combine(value, time.min))
        return local_start.astimezone(pytz.utc).replace(tzinfo=None)
    return fields.Datetime.to_datetime(value) or fields.Datetime.now()


def _parse_id(env, value, required, index, field_name, errors):
    if value is None or value is False:
        if required:
            errors.append((index, field_name, env._("is required.")))
        return False
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        errors.append(
            (
                index,
                field_name,
                env._("must be a record id (a positive integer), not %(value)r.", value=value),
            )
        )
        return False
    return value


def _out_of_range(env, value, index, field_name, errors):
    """NaN, infinities and numbers beyond NUMBER_MAX are typos or attacks, never a quantity or a price."""
    if abs(value) <= NUMBER_MAX:  # False for NaN; exact for integers too large for a float
        return False
    errors.append(
        (
            index,
            field_name,
            env._(
                "must be a finite number of at most %(max)s, not %(value)s.",
                max=f"{NUMBER_MAX:g}",
                value=value,
            ),
        )
    )
    return True


def _parse_quantity(env, value, index, errors):
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        errors.append((index, "quantity", env._("must be a number, not %(value)r.", value=value)))
        return 0.0
    if _out_of_range(env, value, index, "quantity", errors):
        return 0.0
    if value < 0:
        errors.append((index, "quantity", env._("must be zero or positive, not %(value)s.", value=value)))
        return 0.0
    return float(value)


def _parse_explicit_price(env, value, index, errors):
    """None, False or absent: no explicit price (False is how XML-RPC clients send "no value")."""
    if value is None or value is False:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        errors.append(
            (index, "explicit_price", env._("must be a number or None, not %(value)r.", value=value))
        )
        return None
    if _out_of_range(env, value, index, "explicit_price", errors):
        return None
    return float(value)


def _parse_date(env, value, default, index, errors):
    if value is None or value is False:
        return default
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date_type):
        return value
    try:
        return fields.Date.to_date(value)
    except (TypeError, ValueError):
        errors.append((index, "date", env._("must be a date (YYYY-MM-DD), not %(value)r.", value=value)))
        return default
