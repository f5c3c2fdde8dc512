from odoo import fields, models
from odoo.tools import float_compare

PRICE_SOURCES = [
    ("explicit", "Explicit rate"),
    ("pricelist", "Price list"),
    ("catalog", "Catalog price"),
]

# What the billing price resolution gives; "manual" is a user's price over one of these.
RESOLVED_SOURCES = {source for source, _label in PRICE_SOURCES}


class BillingPriceSourceMixin(models.AbstractModel):
    """Where the unit price of a billed line comes from, so an accountant sees why a price is what it is.

    The source follows the line: a price typed over a resolved one is "Set by hand"; a new product or
    unit, or Odoo repricing the line, leaves no source (the resolution no longer made the price).
    """

    _name = "billing.price.source.mixin"
    _description = "Billing Price Source"

    price_source = fields.Selection(
        selection=[*PRICE_SOURCES, ("manual", "Set by hand")],
        help="Where the unit price of this billed line comes from: the rate entered on the billed item "
        "(Explicit rate), a rule of the customer's price list that applies to the product, even at 0 "
        "(Price list), the product's sales price because no rule applies (Catalog price), or a user who "
        "changed the resolved price (Set by hand).",
    )

    def write(self, vals):
        lines, source = self._lines_changing_source(vals)
        if not lines:
            return super().write(vals)
        super(BillingPriceSourceMixin, self - lines).write(vals)
        return super(BillingPriceSourceMixin, lines).write({**vals, "price_source": source})

    def _lines_changing_source(self, vals):
        """The lines whose source ``vals`` changes, and their new source: none for a new product or unit,
        "manual" for a price typed over a resolved one."""
        if "price_source" in vals:
            return self.browse(), False
        if "product_id" in vals or "product_uom_id" in vals:
            return self.filtered(
                lambda line: line.price_source
                and (
                    line.product_id.id != vals.get("product_id", line.product_id.id)
                    or line.product_uom_id.id != vals.get("product_uom_id", line.product_uom_id.id)
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
