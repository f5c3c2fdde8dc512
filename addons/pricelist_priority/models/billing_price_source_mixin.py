from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

PRICE_SOURCES = [
    ("explicit", "Explicit rate"),
    ("pricelist", "Price list"),
    ("catalog", "Catalog price"),
]

# What the billing price resolution gives; "manual" is a user's price over one of these.
RESOLVED_SOURCES = {source for source, _label in PRICE_SOURCES}

# Marker in the context of the code that gives lines a resolved source (billing engines, an invoice taking
# the source of its order line). A Python object: no RPC caller, import or context default can carry it.
PRICE_SOURCE_WRITE = object()


class BillingPriceSourceMixin(models.AbstractModel):
    """Where the unit price of a billed line comes from, so an accountant sees why a price is what it is.

    The source follows the line: a price typed over a resolved one is "Set by hand"; a new product or
    unit, or Odoo repricing the line, leaves no source (the resolution no longer made the price).

    Only code running with PRICE_SOURCE_WRITE gives a resolved source: anyone else (a form, an import, an
    RPC call, a context default, a copy) may only leave the source as it is, clear it or say "Set by
    hand", and not even that on a posted invoice.
    """

    _name = "billing.price.source.mixin"
    _description = "Billing Price Source"

    price_source = fields.Selection(
        selection=[*PRICE_SOURCES, ("manual", "Set by hand")],
        help="Where the unit price of this billed line comes from: the rate entered on the billed item "
        "(Explicit rate), a rule of the customer's price list that applies to the product, even at 0 "
        "(Price list), the product's sales price because no rule applies (Catalog price), or a user who "
        "changed the resolved price (Set by hand).",
        copy=False,
    )

    @api.model
    def _writes_price_source(self):
        return self.env.context.get("billing_price_source_write") is PRICE_SOURCE_WRITE

    @api.model_create_multi
    def create(self, vals_list):
        if not self._writes_price_source():
            for vals in vals_list:
                # Explicit, so no context default or ir.default gives one either.
                vals["price_source"] = vals.get("price_source") or False
                self.browse()._check_price_source_given(vals["price_source"])
        return super().create(vals_list)

    def write(self, vals):
        if "price_source" in vals and not self._writes_price_source():
            self._check_price_source_given(vals["price_source"])
        lines, source = self._lines_changing_source(vals)
        if not lines:
            return super().write(vals)
        super(BillingPriceSourceMixin, self - lines).write(vals)
        return super(BillingPriceSourceMixin, lines).write({**vals, "price_source": source})

    def _check_price_source_given(self, source):
        """A source given from outside the billing code: the lines' own (a form saves it back), none or
        "Set by hand"; nothing that changes a posted invoice."""
        changed = self.filtered(lambda line: line.price_source != source)
        frozen = changed.filtered(lambda line: line._is_price_source_frozen())
        if frozen:
            raise UserError(
                self.env._(
                    "The price source of %(line)s cannot change: its invoice is posted.",
                    line=frozen[0].display_name,
                )
            )
        if source and source != "manual" and (changed or not self):
            raise UserError(
                self.env._(
                    "The price source %(price_source)s is set by the billing price resolution only: leave "
                    "it empty, or choose Set by hand.",
                    price_source=dict(self._fields["price_source"]._description_selection(self.env)).get(
                        source, source
                    ),
                )
            )

    def _is_price_source_frozen(self):
        """Whether the document showing this line is final (a posted invoice)."""
        return False

    def _lines_changing_source(self, vals):
        """The lines whose source ``vals`` changes, and their new source: none for a new product or unit,
        "manual" for a price typed over a resolved one."""
        if "price_source" in vals:
            return self.browse(), False
        if "product_id" in vals or "product_uom_id" in vals:
            return self.filtered(
                lambda line: (
                    line.price_source
                    and (
                        line.product_id.id != vals.get("product_id", line.product_id.id)
                        or line.product_uom_id.id != vals.get("product_uom_id", line.product_uom_id.id)
                    )
                )
            ), False
        if "price_unit" in vals and not self.env.context.get("billing_price_converted"):
            return self.filtered(
                lambda line: line.price_source in RESOLVED_SOURCES and line._is_price_typed_over(vals)
            ), "manual"
        return self.browse(), False

    def _is_price_typed_over(self, vals):
        """Whether ``vals["price_unit"]`` differs from the price the line was given (``_given_price``)."""
        self.ensure_one()
        digits = self.env["decimal.precision"].precision_get("Product Price")
        typed = vals["price_unit"] or 0.0
        return bool(float_compare(self._given_price(vals), typed, precision_digits=digits))

    def _given_price(self, vals):
        """The price the line holds before ``vals``: the one a typed price is compared with."""
        return self.price_unit
