from odoo import fields, models

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
        selection=PRICE_SOURCES,
        help="Where the unit price of this billed line comes from: the rate entered on the billed item "
        "(Explicit rate), a rule of the customer's price list that applies to the product, even at 0 "
        "(Price list), or the product's sales price because no rule applies (Catalog price).",
    )
