"""consumption.record.ingest(): the API other systems push consumption through.

Kept apart from the record's definition because it is a pipeline of its own: check every row, resolve
every reference with one query per kind, then insert everything with one SQL statement.
"""

import re
from datetime import date, datetime

from odoo import api, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL, float_round

from .consumption_record import NUMBER_MAX

INGEST_MAX_ROWS = 10_000
EXTERNAL_REF_MAX_LENGTH = 255
DESCRIPTION_MAX_LENGTH = 2_000
INGEST_KEYS = ("partner", "product", "date", "quantity", "rate", "uom", "external_ref", "description")
INGEST_KEYS_SET = frozenset(INGEST_KEYS)
TEXT_KEYS = (("uom", 64), ("external_ref", EXTERNAL_REF_MAX_LENGTH), ("description", DESCRIPTION_MAX_LENGTH))
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
VAT_SEPARATORS = re.compile(r"[\s.\-/]")

# Columns written by the database or by _ingest_constant_values() itself.
MAGIC_COLUMNS = frozenset({"id", "create_uid", "create_date", "write_uid", "write_date"})
# Billing fields an ingested row never gets, whatever their defaults: it is new, unbilled and unlinked.
INGEST_EMPTY_FIELDS = frozenset({"billed", "invoice_id", "invoice_line_id", "sale_line_id"})

# Columns that vary per row; every other column gets the constant value create() would give it without
# any default from the caller.
ROW_FIELDS = (
    "partner_id",
    "product_id",
    "date",
    "quantity",
    "uom_id",
    "has_rate",
    "rate",
    "external_ref",
    "description",
)


def _is_number(value):
    """An int or float within NUMBER_MAX: not NaN, not infinite (exact for huge integers too)."""
    return (type(value) is int or type(value) is float) and abs(value) <= NUMBER_MAX


def _array_element(value):
    if value is None:
        return "NULL"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)  # int, float, date


def _array_literal(values):
    """A PostgreSQL array literal, sent as one bound parameter: every text element is double-quoted and
    escaped, so no value can end the element or the array early."""
    return "{" + ",".join(map(_array_element, values)) + "}"


def _normalize_vat(value):
    return VAT_SEPARATORS.sub("", value).upper()


class ConsumptionRecord(models.Model):
    _inherit = "consumption.record"

    @api.model
    def ingest(self, rows):
        """Record consumption pushed by another system, all or nothing.

        ``rows``: list (at most INGEST_MAX_ROWS) of dicts with ``partner`` (id, or ref, or VAT),
        ``product`` (id or internal reference), ``date`` ('YYYY-MM-DD'), ``quantity`` (> 0) and optional
        ``rate`` (explicit price per unit, even 0), ``uom`` (unit name), ``external_ref``,
        ``description``. Rows go to the current company.

        Returns ``{'created': n, 'skipped': n, 'errors': [{'index': i, 'field': f, 'message': m}]}``.
        When a row is invalid nothing is written and every invalid row is reported (``index`` is its
        0-based position in ``rows``). A row whose ``external_ref`` already exists in the company (in the
        database or earlier in ``rows``) is skipped and counted, also when concurrent calls send it: the
        later of two transactions inserting the same reference waits for the first, then fails with a
        serialization error that Odoo's RPC layer retries (in-process callers: run the call through
        ``odoo.service.model.retrying``); the retry skips what the first one stored.
        """
        if not isinstance(rows, list):
            raise UserError(self.env._("ingest() expects a list of rows (JSON objects)."))
        if len(rows) > INGEST_MAX_ROWS:
            raise UserError(
                self.env._(
                    "ingest() accepts at most %(limit)s rows per call; %(count)s were sent. Split them into "
                    "several calls.",
                    limit=INGEST_MAX_ROWS,
                    count=len(rows),
                )
            )
        self.check_access("create")
        result = {"created": 0, "skipped": 0, "errors": []}
        if not rows:
            return result
        errors = result["errors"]
        limits = self._ingest_limits()
        parsed = [self._ingest_parse_row(index, row, limits, errors) for index, row in enumerate(rows)]
        self._ingest_resolve_partners(parsed, errors)
        self._ingest_resolve_products_and_units(parsed, errors)
        if errors:
            field_order = {key: position for position, key in enumerate(INGEST_KEYS)}
            errors.sort(key=lambda error: (error["index"], field_order.get(error["field"], -1)))
            return result
        result["created"] = len(self._ingest_insert(parsed))
        result["skipped"] = len(rows) - result["created"]
        return result

    # ------------------------------------------------------------------------------------------------
    # 1. Shape of each row
    # ------------------------------------------------------------------------------------------------

    @api.model
    def _ingest_limits(self):
        """What every row is checked against, computed once per call."""
        date_min, date_max = self._date_window()
        return {
            "date_min": date_min,
            "date_max": date_max,
            "quantity_digits": self._fields["quantity"].get_digits(self.env)[1],
            "rate_digits": self._fields["rate"].get_digits(self.env)[1],
        }

    @api.model
    def _ingest_parse_row(self, index, row, limits, errors):
        """Check the types and ranges of one row; return its values (None where invalid). Plain Python
        on purpose: it runs for every row."""

        def error(field, message):
            errors.append({"index": index, "field": field, "message": message})

        if not isinstance(row, dict):
            error(
                "row",
                self.env._("Each row must be an object with the keys %(keys)s.", keys=", ".join(INGEST_KEYS)),
            )
            return None
        values = {"index": index}
        for key in row.keys() - INGEST_KEYS_SET:
            error(str(key), self.env._("Unknown field. Expected: %(keys)s.", keys=", ".join(INGEST_KEYS)))

        for key in ("partner", "product"):
            reference = row.get(key)
            if type(reference) is int and reference > 0:
                values[key] = reference
            elif isinstance(reference, str) and reference.strip():
                values[key] = reference.strip()
            elif reference is None:
                error(
                    key,
                    self.env._("Required: the customer.")
                    if key == "partner"
                    else self.env._("Required: the product."),
                )
            else:
                error(key, self.env._("Give it as a database id (integer) or a reference (text)."))

        values["date"] = self._ingest_parse_date(row.get("date"), limits, error)

        quantity = row.get("quantity")
        if not _is_number(quantity):
            error(
                "quantity",
                self.env._("Required: a number greater than 0 and at most %(max)s.", max=f"{NUMBER_MAX:g}"),
            )
        else:
            if type(quantity) is not int:
                quantity = float_round(quantity, precision_digits=limits["quantity_digits"])
            if quantity > 0:
                values["quantity"] = quantity
            else:
                error(
                    "quantity",
                    self.env._(
                        "The quantity must be greater than 0 (at %(digits)s decimals); got %(quantity)s.",
                        digits=limits["quantity_digits"],
                        quantity=row["quantity"],
                    ),
                )

        rate = row.get("rate")
        if rate is not None:
            if not _is_number(rate) or rate < 0:
                error(
                    "rate",
                    self.env._(
                        "The rate must be a number from 0 to %(max)s (leave it out: no own rate).",
                        max=f"{NUMBER_MAX:g}",
                    ),
                )
            else:
                values["rate"] = (
                    rate if type(rate) is int else float_round(rate, precision_digits=limits["rate_digits"])
                )

        for key, max_length in TEXT_KEYS:
            text = row.get(key)
            if text is None:
                continue
            if not isinstance(text, str):
                error(key, self.env._("Must be text."))
            elif len(text) > max_length:
                error(key, self.env._("At most %(max)s characters.", max=max_length))
            elif "\x00" in text:
                error(key, self.env._("Must not contain NUL characters."))
            elif key == "description":
                values[key] = text or None
            elif text.strip():
                values[key] = text.strip()
        return values

    @api.model
    def _ingest_parse_date(self, value, limits, error):
        if type(value) is str and ISO_DATE.match(value):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                error("date", self.env._("%(date)s is not a valid date.", date=value))
                return None
        elif isinstance(value, datetime):
            value = value.date()
        elif not isinstance(value, date):
            error("date", self.env._("Required: a date written YYYY-MM-DD."))
            return None
        if not limits["date_min"] <= value <= limits["date_max"]:
            error(
                "date",
                self.env._(
                    "The date must be between %(date_min)s and %(date_max)s.",
                    date_min=limits["date_min"],
                    date_max=limits["date_max"],
                ),
            )
            return None
        return value

    # ------------------------------------------------------------------------------------------------
    # 2. References: one query per kind for the whole call, with the caller's access rights
    # ------------------------------------------------------------------------------------------------

    @api.model
    def _ingest_resolve_partners(self, parsed, errors):
        """Customer by id, else by reference, else by VAT. A reference or VAT shared by a company and its
        contacts means the company; shared by two companies, it is ambiguous. Each distinct key is
        resolved once."""
        keys = {values["partner"] for values in parsed if values and "partner" in values}
        if not keys:
            return
        ids = [key for key in keys if type(key) is int]
        texts = [key for key in keys if type(key) is str]
        Partner = self.env["res.partner"]
        partners = Partner.search_fetch(
            (
                Domain("id", "in", ids)
                | Domain("ref", "in", texts)
                | Domain("vat", "in", list({*texts, *map(_normalize_vat, texts)}))
            )
            & Domain(Partner._check_company_domain(self.env.company)),
            ["ref", "vat", "commercial_partner_id"],
        )
        by_ref, by_vat = {}, {}
        for partner in partners:
            if partner.ref:
                by_ref[partner.ref] = by_ref.get(partner.ref, Partner) | partner
            if partner.vat:
                vat = _normalize_vat(partner.vat)
                by_vat[vat] = by_vat.get(vat, Partner) | partner
        partner_ids = set(partners.ids)
        resolved = {key: key if key in partner_ids else None for key in ids}
        for key in texts:
            resolved[key] = self._ingest_single_customer(
                by_ref.get(key) or by_vat.get(_normalize_vat(key)) or Partner
            )
        for values in parsed:
            if not values or "partner" not in values:
                continue
            key = values["partner"]
            values["partner_id"] = resolved[key]
            if resolved[key] is None:
                if type(key) is int:
                    message = self.env._("No customer with id %(key)s in this company.", key=key)
                else:
                    message = self.env._(
                        "No single customer has the reference or VAT %(key)s in this company.", key=key
                    )
                errors.append({"index": values["index"], "field": "partner", "message": message})

    @api.model
    def _ingest_single_customer(self, partners):
        if len(partners) == 1:
            return partners.id
        commercial = partners.commercial_partner_id
        if len(commercial) == 1 and commercial in partners:
            return commercial.id
        return None

    @api.model
    def _ingest_resolve_products_and_units(self, parsed, errors):
        """Product by id or internal reference, then the unit: the product's, or the one named in the
        row if it converts into the product's. Each distinct key is resolved once."""
        keys = {values["product"] for values in parsed if values and "product" in values}
        if not keys:
            return
        ids = [key for key in keys if type(key) is int]
        codes = [key for key in keys if type(key) is str]
        Product = self.env["product.product"]
        products = Product.search_fetch(
            (Domain("id", "in", ids) | Domain("default_code", "in", codes))
            & Domain(Product._check_company_domain(self.env.company)),
            ["default_code", "type", "uom_id"],
        )
        units = self._ingest_units(
            products.uom_id.ids, {values["uom"] for values in parsed if values and "uom" in values}
        )
        matches = dict.fromkeys(keys, Product)
        for product in products:
            for key in (product.id, product.default_code):
                if key in matches:
                    matches[key] |= product
        resolved = {key: self._ingest_product(key, product, units) for key, product in matches.items()}
        unit_cache = {}
        for values in parsed:
            if not values or "product" not in values:
                continue
            product = resolved[values["product"]]
            if isinstance(product, str):
                errors.append({"index": values["index"], "field": "product", "message": product})
                continue
            values["product_id"] = product["id"]
            uom_name = values.get("uom")
            if not uom_name:
                values["uom_id"] = product["uom_id"]
                continue
            cache_key = (product["id"], uom_name)
            if cache_key not in unit_cache:
                unit_cache[cache_key] = self._ingest_unit(
                    matches[values["product"]], product["root"], uom_name, units
                )
            values["uom_id"] = unit_cache[cache_key]
            if isinstance(values["uom_id"], str):
                errors.append({"index": values["index"], "field": "uom", "message": values["uom_id"]})

    @api.model
    def _ingest_product(self, key, product, units):
        """The product's id, unit and unit root, or the error message for this key."""
        if len(product) != 1:
            return self.env._(
                "No single product has the id or internal reference %(key)s in this company (%(count)s "
                "found).",
                key=key,
                count=len(product),
            )
        if product.type not in ("consu", "service"):
            return self.env._(
                "%(product)s is a combo product: send the consumption of a goods or service product.",
                product=product.display_name,
            )
        return {"id": product.id, "uom_id": product.uom_id.id, "root": units["by_id"][product.uom_id.id]}

    @api.model
    def _ingest_units(self, product_uom_ids, names):
        """{'by_id': {id: root}, 'by_name': {lowercase name: [(id, root)]}} for the products' units and
        the active units named in the rows (English or the user's language, case-insensitive)."""
        self.env["uom.uom"].flush_model(["name", "parent_path", "active"])
        self.env.cr.execute(
            SQL(
                """SELECT id, lower(name->>'en_US'), lower(COALESCE(name->>%(lang)s, name->>'en_US')),
                      split_part(parent_path, '/', 1)
                 FROM uom_uom
                WHERE id = ANY(%(ids)s)
                   OR (active AND (lower(name->>'en_US') = ANY(%(names)s)
                                   OR lower(name->>%(lang)s) = ANY(%(names)s)))
             ORDER BY id""",
                lang=self.env.lang or "en_US",
                ids=list(product_uom_ids),
                names=[name.lower() for name in names],
            )
        )
        units = {"by_id": {}, "by_name": {}}
        for uom_id, english, translated, root in self.env.cr.fetchall():
            units["by_id"][uom_id] = root
            for name in {english, translated}:
                units["by_name"].setdefault(name, []).append((uom_id, root))
        return units

    @api.model
    def _ingest_unit(self, product, product_root, uom_name, units):
        """The id of the unit named uom_name that converts into the product's unit, or the error."""
        candidates = units["by_name"].get(uom_name.lower(), [])
        for uom_id, root in candidates:
            if root == product_root:
                return uom_id
        if candidates:
            return self.env._(
                "%(unit)s is not a unit convertible into %(product_unit)s, the unit of %(product)s.",
                unit=uom_name,
                product_unit=product.uom_id.name,
                product=product.display_name,
            )
        return self.env._("No active unit named %(unit)s.", unit=uom_name)

    # ------------------------------------------------------------------------------------------------
    # 3. One INSERT for the whole call
    # ------------------------------------------------------------------------------------------------

    @api.model
    def _ingest_constant_values(self):
        """The values every row gets besides its own: the company, the origin, the magic columns and the
        static default of each other stored field (an active, unbilled, unlinked record). Never a default
        of the caller's context (``default_*``) or of ir.default: an RPC caller would otherwise store
        billed or linked records, or any value, with no check at all."""
        values = {}
        for fname, field in self._fields.items():
            if not (field.store and field.column_type) or fname in ROW_FIELDS or fname in MAGIC_COLUMNS:
                continue
            if field.compute and field.precompute:
                # A field computed from each row's values would need code here to stay exact.
                raise NotImplementedError(f"ingest() cannot compute {fname} per row")
            if fname in INGEST_EMPTY_FIELDS:
                values[fname] = False
            elif field.default:
                values[fname] = field.default(self)
        now = self.env.cr.now()
        values.update(
            company_id=self.env.company.id,
            origin="api",
            create_uid=self.env.uid,
            create_date=now,
            write_uid=self.env.uid,
            write_date=now,
        )
        return values

    @api.model
    def _ingest_insert(self, parsed):
        """Insert the rows with the exact column values create() would store, skipping existing
        external references through the unique index (ON CONFLICT DO NOTHING: a concurrent call
        inserting the same reference makes this one wait, then skip it). Rows are inserted in
        external_ref order so two overlapping calls lock the references in the same order and never
        deadlock. Returns the new ids."""
        row_fields = list(ROW_FIELDS)
        for values in parsed:
            values["has_rate"] = "rate" in values
        constants = self._ingest_constant_values()
        constant_columns = {
            fname: self._fields[fname].convert_to_column_insert(value, self, constants)
            for fname, value in constants.items()
        }
        self.env.flush_all()
        columns = [*row_fields, *constant_columns]
        self.env.cr.execute(
            SQL(
                """INSERT INTO %(table)s (%(columns)s)
               SELECT %(row_columns)s, %(constants)s
                 FROM unnest(%(arrays)s) AS rows(%(row_columns)s)
             ORDER BY rows.external_ref NULLS LAST
          ON CONFLICT (company_id, external_ref) WHERE external_ref IS NOT NULL DO NOTHING
            RETURNING id""",
                table=SQL.identifier(self._table),
                columns=SQL(", ").join(map(SQL.identifier, columns)),
                row_columns=SQL(", ").join(SQL.identifier(fname) for fname in row_fields),
                constants=SQL(", ").join(SQL("%s", value) for value in constant_columns.values()),
                arrays=SQL(", ").join(
                    SQL(
                        "%s::%s[]",
                        _array_literal([values.get(fname) for values in parsed]),
                        SQL(self._fields[fname].column_type[0]),
                    )
                    for fname in row_fields
                ),
            )
        )
        records = self.browse(row[0] for row in self.env.cr.fetchall())
        # What create() does after its INSERT: the values just stored are final (protected from
        # recomputation), fields of other records that depend on them are notified.
        self.env.invalidate_all(flush=False)
        with self.env.protecting([self._fields[fname] for fname in columns], records):
            records.modified(self._fields, create=True)
        return records.ids
