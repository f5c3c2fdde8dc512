from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.addons.pricelist_priority.models.billing_price_source_mixin import PRICE_SOURCES
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, unique

# Dates accepted on a consumption record: usage older than this is not billable any more, usage further
# ahead is a typo (a year 2062 instead of 2026). The same window applies to the form, import and ingest().
DATE_WINDOW_PAST_YEARS = 10
DATE_WINDOW_FUTURE_YEARS = 1

# Largest quantity or rate a record takes: beyond it a value is a typo or an overflow, never consumption.
NUMBER_MAX = 1e12

# What decides the amount billed and where it was billed: frozen once the record is on a posted invoice
# or reserved by a document line.
BILLING_FIELDS = frozenset(
    {
        "partner_id",
        "product_id",
        "date",
        "quantity",
        "uom_id",
        "rate",
        "has_rate",
        "company_id",
        "billed",
        "invoice_id",
        "invoice_line_id",
        "sale_line_id",
    }
)

# The amount preview is priced by pricelist_priority, not stored: grouped views (list totals, pivot, graph)
# get it summed per group by this aggregate, computed from the grouped records.
AMOUNT_PREVIEW_SUM = "amount_preview:sum"

# What a posted invoice shows of a record besides its billing fields (the statement prints it).
POSTED_FIELDS = BILLING_FIELDS | {"description"}

# Links to the document lines billing a record: written by the billing engine and its release paths only.
ENGINE_FIELDS = frozenset({"invoice_line_id", "sale_line_id"})

# Fields pointing at a billing document.
LINK_FIELDS = ("invoice_line_id", "sale_line_id", "invoice_id")
NUMBER_FIELDS = ("quantity", "rate")

# Marker the billing engine puts in the context to write the links of records (ENGINE_FIELDS, and billed
# and invoice_id at posting). It is a Python object, so no external caller (JSON-RPC, XML-RPC, JSON-2
# "context", import) can forge it.
BILLING_ENGINE_WRITE = object()


class ConsumptionRecord(models.Model):
    """A quantity of a product a customer consumed, billed once.

    Who may write what:
    - The links to the document lines billing a record (ENGINE_FIELDS) are written by the billing engine
      and its release paths only, recognized by BILLING_ENGINE_WRITE in the context (a Python object no
      RPC, import or context default can carry), and always to a line of the record's own company.
    - A user may still tick *Billed* to keep a record out of every billing, or choose by hand the posted
      customer invoice of the same customer and company that billed it.
    - A record on a posted invoice is frozen (billing fields and description), a record reserved by a
      draft invoice line or an order line keeps its billing fields; neither can be deleted.
    """

    _name = "consumption.record"
    _description = "Consumption Record"
    _order = "date desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["external_ref", "description", "product_id"]

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        check_company=True,
        ondelete="restrict",
    )
    product_id = fields.Many2one(
        "product.product",
        required=True,
        index=True,
        check_company=True,
        ondelete="restrict",
        domain=[("type", "in", ("consu", "service"))],
    )
    date = fields.Date(required=True, index=True, default=fields.Date.context_today)
    quantity = fields.Float(required=True, digits="Product Unit", default=1.0)
    uom_id = fields.Many2one(
        "uom.uom",
        string="Unit",
        required=True,
        ondelete="restrict",
        compute="_compute_uom_id",
        store=True,
        readonly=False,
        precompute=True,
        help="Unit of the quantity: the product's unit by default, or one convertible into it.",
    )
    has_rate = fields.Boolean(
        string="Own Rate",
        default=False,
        help="Bill this record at its own rate (even 0) instead of the customer's price list or the "
        "catalog price.",
    )
    rate = fields.Float(
        digits="Product Price",
        aggregator=False,
        help="Price per unit of this record, used only when 'Own Rate' is set.",
    )
    billed = fields.Boolean(
        default=False,
        copy=False,
        help="Billed records are never billed again. Tick it to exclude a record from every billing.",
    )
    invoice_id = fields.Many2one(
        "account.move",
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        check_company=True,
        domain=[("move_type", "=", "out_invoice"), ("state", "=", "posted")],
        help="The invoice this consumption was billed in: set when the invoice is posted, or chosen by hand "
        "among the posted invoices of the customer.",
    )
    sale_line_id = fields.Many2one(
        "sale.order.line",
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
    )
    invoice_line_id = fields.Many2one(
        "account.move.line",
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(
        related="company_id.currency_id",
        string="Currency",
        help="Currency of the record's own rate and of its amount preview: the company's.",
    )
    description = fields.Char()
    external_ref = fields.Char(
        string="External Reference",
        copy=False,
        help="Identifier of this consumption in the system it came from; unique per company, so a "
        "record sent or imported twice is stored once.",
    )
    origin = fields.Selection(
        [("manual", "Manual"), ("import", "Import"), ("api", "API")],
        required=True,
        default="manual",
        readonly=True,
    )
    active = fields.Boolean(default=True)
    is_locked = fields.Boolean(
        string="Invoiced",
        compute="_compute_is_locked",
        compute_sudo=True,
        help="On a posted invoice: its billing fields and description can no longer change.",
    )
    is_reserved = fields.Boolean(
        string="Reserved",
        compute="_compute_is_locked",
        compute_sudo=True,
        help="On a draft invoice or an order line: its billing fields cannot change until the line is "
        "removed or its document deleted or cancelled.",
    )
    price_unit_preview = fields.Float(
        string="Unit Price",
        digits="Product Price",
        compute="_compute_amount_preview",
        aggregator=False,
        help="Price per unit this record would be billed at today on its own.",
    )
    price_source_preview = fields.Selection(
        PRICE_SOURCES,
        string="Price Source",
        compute="_compute_amount_preview",
    )
    # A float shown with the monetary widget: a Monetary field would make grouped views ask for sums per
    # currency, which a non-stored amount cannot give.
    amount_preview = fields.Float(
        string="Amount",
        compute="_compute_amount_preview",
        aggregator="sum",
        help="Quantity x unit price: what billing this record alone would charge.",
    )

    # "quantity <= 1e12" also refuses NaN, which PostgreSQL sorts above every number.
    _quantity_positive = models.Constraint(
        "CHECK (quantity > 0 AND quantity <= 1e12)",
        "The quantity of a consumption must be greater than zero and at most 1e12.",
    )
    _rate_not_negative = models.Constraint(
        "CHECK (rate IS NULL OR (rate >= 0 AND rate <= 1e12))",
        "The rate of a consumption cannot be negative or above 1e12.",
    )
    _external_ref_company_uniq = models.UniqueIndex(
        "(company_id, external_ref) WHERE external_ref IS NOT NULL",
        "This external reference already exists in this company: each consumption is recorded once.",
    )

    @api.depends("product_id")
    def _compute_uom_id(self):
        for record in self:
            product_uom = record.product_id.uom_id
            if product_uom and not (record.uom_id and record._uom_compatible(product_uom, record.uom_id)):
                record.uom_id = product_uom

    @api.depends("invoice_id.state", "invoice_line_id.parent_state", "sale_line_id")
    def _compute_is_locked(self):
        for record in self:
            record.is_locked = (
                record.invoice_id.state == "posted" or record.invoice_line_id.parent_state == "posted"
            )
            record.is_reserved = not record.is_locked and bool(record.invoice_line_id or record.sale_line_id)

    @api.depends("product_id", "date")
    def _compute_display_name(self):
        for record in self:
            record.display_name = " - ".join(
                part for part in (record.product_id.display_name, record.date and str(record.date)) if part
            ) or self.env._("New Consumption")

    @api.depends(
        "partner_id",
        "product_id",
        "quantity",
        "uom_id",
        "rate",
        "has_rate",
        "date",
        "currency_id",
        "company_id",
    )
    def _compute_amount_preview(self):
        """One resolve_billing_prices() call for all of self: a page of records costs one price
        resolution, not one per line."""
        self.price_unit_preview = 0.0
        self.price_source_preview = False
        self.amount_preview = 0.0
        priceable = self.filtered(
            lambda r: (
                r.partner_id
                and r.product_id
                and r.quantity > 0
                and r.uom_id
                and r.company_id
                and r._uom_compatible(r.product_id.uom_id, r.uom_id)
            )
        )
        if not priceable:
            return
        Pricelist = self.env["product.pricelist"]
        try:
            requests = [record._billing_price_request() for record in priceable]
            prices = Pricelist.resolve_billing_prices(requests)
        except ValidationError:
            # One unpriceable record (e.g. a price list currency without a rate) must not blank a whole
            # list or pivot: price the records one by one and leave the failing ones without a preview.
            prices = []
            for record in priceable:
                try:
                    prices.extend(Pricelist.resolve_billing_prices([record._billing_price_request()]))
                except ValidationError:
                    prices.append(None)
        for record, price in zip(priceable, prices, strict=True):
            if price is None:
                continue
            record.price_unit_preview = price["price"]
            record.price_source_preview = price["source"]
            record.amount_preview = record.currency_id.round(price["price"] * record.quantity)

    def _billing_price_request(self):
        """The resolve_billing_prices() request pricing this record on its own."""
        self.ensure_one()
        return {
            "partner_id": self.partner_id.id,
            "product_id": self.product_id.id,
            "quantity": self.quantity,
            "date": self.date,
            "uom_id": self.uom_id.id,
            "currency_id": self.currency_id.id,
            "company_id": self.company_id.id,
            "explicit_price": self.rate if self.has_rate else None,
        }

    @api.model
    def _read_group_select(self, aggregate_spec, query):
        if aggregate_spec == AMOUNT_PREVIEW_SUM:
            # the ids of each group; _read_group_postprocess_aggregate() turns them into the sum
            return SQL("ARRAY_AGG(%s)", self._field_to_sql(self._table, "id", query))
        return super()._read_group_select(aggregate_spec, query)

    @api.model
    def _read_group_postprocess_aggregate(self, aggregate_spec, raw_values):
        if aggregate_spec != AMOUNT_PREVIEW_SUM:
            return super()._read_group_postprocess_aggregate(aggregate_spec, raw_values)
        id_lists = [ids or [] for ids in raw_values]
        records = self.browse(unique(id_ for ids in id_lists for id_ in ids))
        amount_by_id = dict(zip(records.ids, records.mapped("amount_preview"), strict=True))
        return (sum(amount_by_id[id_] for id_ in ids) for ids in id_lists)

    @api.model
    def _uom_compatible(self, product_uom, uom):
        """Units are convertible into each other when they share a reference unit (Odoo 19 has no UoM
        categories any more)."""
        return uom._has_common_reference(product_uom)

    @api.model
    def _date_window(self):
        today = fields.Date.context_today(self)
        return (
            today - relativedelta(years=DATE_WINDOW_PAST_YEARS),
            today + relativedelta(years=DATE_WINDOW_FUTURE_YEARS),
        )

    @api.constrains("product_id", "uom_id")
    def _check_uom_compatible(self):
        for record in self:
            if not record._uom_compatible(record.product_id.uom_id, record.uom_id):
                raise ValidationError(
                    self.env._(
                        "The unit %(unit)s cannot be converted into %(product_unit)s, the unit of "
                        "%(product)s: choose a unit of the same kind.",
                        unit=record.uom_id.name,
                        product_unit=record.product_id.uom_id.name,
                        product=record.product_id.display_name,
                    )
                )

    @api.constrains("product_id")
    def _check_product_type(self):
        for record in self:
            if record.product_id.type not in ("consu", "service"):
                raise ValidationError(
                    self.env._(
                        "%(product)s is a combo product: record the consumption of a goods or service "
                        "product.",
                        product=record.product_id.display_name,
                    )
                )

    @api.constrains("date")
    def _check_date_window(self):
        date_min, date_max = self._date_window()
        for record in self:
            if not date_min <= record.date <= date_max:
                raise ValidationError(
                    self.env._(
                        "The date %(date)s of a consumption must be between %(date_min)s and %(date_max)s.",
                        date=record.date,
                        date_min=date_min,
                        date_max=date_max,
                    )
                )

    @api.model
    def _normalize_rate_values(self, vals, creating):
        """Passing a rate (even 0.0) sets an explicit rate; without an own rate, no rate is kept."""
        if "rate" in vals and "has_rate" not in vals:
            vals["has_rate"] = vals["rate"] is not None and vals["rate"] is not False
        if "has_rate" in vals and not vals["has_rate"]:
            if creating:
                vals.pop("rate", None)
            else:
                vals["rate"] = False
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [self._normalize_rate_values(dict(vals), creating=True) for vals in vals_list]
        engine = self._is_billing_engine()
        for vals in vals_list:
            self._check_number_values(vals)
            if not engine:
                given = {fname for fname in ENGINE_FIELDS if vals.get(fname)}
                given |= {fname for fname in ENGINE_FIELDS if self.env.context.get(f"default_{fname}")}
                if given:
                    raise UserError(self._engine_fields_message(given))
        records = super().create(vals_list)
        if engine:
            for record, vals in zip(records, vals_list, strict=True):
                record._check_link_companies(vals)
        else:
            # The stored values too: an ir.default could also give links.
            records._check_no_engine_links()
            records.filtered("invoice_id")._check_invoices_chosen_by_hand()
        return records

    def write(self, vals):
        vals = self._normalize_rate_values(dict(vals), creating=False)
        self._check_number_values(vals)
        if self._is_billing_engine():
            self._check_link_companies(vals)
            return super().write(vals)
        engine_fields = ENGINE_FIELDS.intersection(vals)
        if engine_fields:
            raise UserError(self._engine_fields_message(engine_fields))
        self._check_not_locked(vals)
        if vals.get("invoice_id"):
            self._check_invoices_chosen_by_hand(vals)
        return super().write(vals)

    @api.model
    def _is_billing_engine(self):
        return self.env.context.get("consumption_billing_write") is BILLING_ENGINE_WRITE

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced_or_reserved(self):
        self._check_not_locked(None)

    @api.model
    def _check_number_values(self, vals):
        """NaN, infinities and huge numbers are typos or attacks: refused before anything is stored (the
        database constraint would only see them after Python failed to round them)."""
        for fname in NUMBER_FIELDS:
            value = vals.get(fname)
            # "not <=": also true for NaN; exact for integers too large for a float.
            is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if is_number and not abs(value) <= NUMBER_MAX:
                raise ValidationError(
                    self.env._(
                        "%(field)s of a consumption must be a finite number of at most %(max)s; got "
                        "%(value)s.",
                        field=self._fields[fname]._description_string(self.env),
                        max=f"{NUMBER_MAX:g}",
                        value=value,
                    )
                )

    @api.model
    def _engine_fields_message(self, fnames):
        return self.env._(
            "%(fields)s of a consumption record are set by billing only (adding consumption to an invoice "
            "or an order, posting, resetting or cancelling the document): they cannot be written "
            "directly. To keep a record out of billing, tick Billed.",
            fields=", ".join(sorted(self._fields[fname]._description_string(self.env) for fname in fnames)),
        )

    def _check_no_engine_links(self):
        linked = self.filtered(lambda record: record.invoice_line_id or record.sale_line_id)
        if linked:
            raise UserError(
                self._engine_fields_message([fname for fname in ENGINE_FIELDS if any(linked.mapped(fname))])
            )

    def _check_link_companies(self, vals):
        """A record is billed in its own company only, whoever links it (``vals``: the values written).
        sudo: only the companies of the records and documents are read."""
        for fname in LINK_FIELDS:
            if not vals.get(fname):
                continue
            document = self.env[self._fields[fname].comodel_name].sudo().browse(vals[fname])
            company = self.company_id.browse(vals["company_id"]) if vals.get("company_id") else None
            wrong = self.sudo().filtered(
                lambda record, company=company, document=document: (
                    (company or record.company_id) != document.company_id
                )
            )
            if wrong:
                raise UserError(
                    self.env._(
                        "%(record)s belongs to %(company)s: it cannot be billed by %(document)s of "
                        "another company.",
                        record=wrong[0].display_name,
                        company=(company or wrong[0].company_id).display_name,
                        document=document.display_name,
                    )
                )

    def _check_invoices_chosen_by_hand(self, vals=None):
        """An invoice chosen by hand says where a record was billed: a posted customer invoice of the
        record's customer and company, that the user can read. With ``vals``, checked before they are
        written."""
        vals = vals or {}
        for record in self:
            invoice, partner, company = (
                record[fname].browse(vals[fname]) if fname in vals else record[fname]
                for fname in ("invoice_id", "partner_id", "company_id")
            )
            invoice.check_access("read")
            if not (
                invoice.move_type == "out_invoice"
                and invoice.state == "posted"
                and invoice.company_id == company
                and invoice.commercial_partner_id == partner.commercial_partner_id
            ):
                raise UserError(
                    self.env._(
                        "The invoice of %(record)s must be a posted customer invoice of %(customer)s in "
                        "%(company)s; %(invoice)s is not one. Leave the invoice empty and tick Billed to "
                        "keep the record out of billing.",
                        record=record.display_name,
                        customer=partner.commercial_partner_id.display_name,
                        company=company.display_name,
                        invoice=invoice.display_name,
                    )
                )

    def _check_not_locked(self, vals):
        """Refuse to change (``vals``) or delete (``vals`` None) a record that a posted invoice billed or
        a document line reserves."""
        if vals is None:
            action = self.env._("delete it")
        elif POSTED_FIELDS.intersection(vals):
            action = self.env._("edit its billing fields or description")
        else:
            return
        # sudo: the user may not read invoices or orders; only their names are shown.
        locked = self.sudo().filtered("is_locked")
        if locked:
            record = locked[0]
            raise UserError(
                self.env._(
                    "%(record)s is billed on the posted invoice %(invoice)s: you cannot %(action)s. Reset "
                    "the invoice to draft or cancel it first; a credit note does not release it. "
                    "Archiving hides the record but leaves it billed.",
                    record=record.display_name,
                    invoice=(record.invoice_id or record.invoice_line_id.move_id).display_name,
                    action=action,
                )
            )
        if vals is not None and not BILLING_FIELDS.intersection(vals):
            return
        reserved = self.sudo().filtered("is_reserved")
        if reserved:
            record = reserved[0]
            raise UserError(
                self.env._(
                    "%(record)s is reserved by %(document)s: you cannot %(action)s. Remove its line from "
                    "the document, or delete or cancel the document first.",
                    record=record.display_name,
                    document=(record.invoice_line_id.move_id or record.sale_line_id.order_id).display_name,
                    action=self.env._("delete it") if vals is None else self.env._("edit its billing fields"),
                )
            )

    @api.onchange("invoice_id")
    def _onchange_invoice_id(self):
        if self.invoice_id:
            self.billed = True

    def load(self, fields, data):
        """Standard import, marked as such: records it creates get the origin 'import'."""
        return super(ConsumptionRecord, self.with_context(consumption_import=True)).load(fields, data)

    def _load_records_create(self, vals_list):
        """Re-importing a file creates nothing twice: a row whose external reference already exists in
        its company (or earlier in the file) stands for that record instead of creating a new one."""
        if self.env.context.get("consumption_import"):
            # An empty unit column means the product's unit, as in the form.
            vals_list = [
                {
                    "origin": "import",
                    **{key: value for key, value in vals.items() if key != "uom_id" or value},
                }
                for vals in vals_list
            ]
        keys = [
            (vals.get("company_id") or self.env.company.id, vals["external_ref"])
            if vals.get("external_ref")
            else None
            for vals in vals_list
        ]
        refs = {key[1] for key in keys if key}
        existing = {}
        if refs:
            for record in self.with_context(active_test=False).search_fetch(
                [("external_ref", "in", list(refs))], ["company_id", "external_ref"]
            ):
                existing[record.company_id.id, record.external_ref] = record
        new_positions, first_position = [], {}
        for position, key in enumerate(keys):
            if key in existing or key in first_position:
                continue
            if key:
                first_position[key] = position
            new_positions.append(position)
        created = super()._load_records_create([vals_list[position] for position in new_positions])
        by_position = dict(zip(new_positions, created, strict=True))
        return self.browse().concat(
            *(
                existing.get(key) or by_position[first_position.get(key, position)]
                for position, key in enumerate(keys)
            )
        )
