from odoo import fields, models
from odoo.tools import float_compare

PRICE_SOURCES = [
    ("explicit", "Explicit rate"),
    ("pricelist", "Price list"),
    ("catalog", "Catalog price"),
]


class BillingPriceSourceMixin(models.AbstractModel):
    """Where the unit price of a billed line comes from, so an accountant sees why a price is what it is."""

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
        """A unit price typed over a resolved one is no longer the resolution's: its source becomes "Set by
        hand", so the column never explains a price by a rule that did not make it."""
        if "price_unit" not in vals or "price_source" in vals:
            return super().write(vals)
        digits = self.env["decimal.precision"].precision_get("Product Price")
        overridden = self.filtered(
            lambda line: line.price_source not in (False, "manual")
            and float_compare(line.price_unit, vals["price_unit"] or 0.0, precision_digits=digits)
        )
        if not overridden:
            return super().write(vals)
        super(BillingPriceSourceMixin, self - overridden).write(vals)
        return super(BillingPriceSourceMixin, overridden).write({**vals, "price_source": "manual"})
