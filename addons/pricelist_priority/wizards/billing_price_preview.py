from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.billing_price_source_mixin import PRICE_SOURCES


class BillingPricePreview(models.TransientModel):
    """Shows the price a customer would be billed for a product, and why, before anything is billed."""

    _name = "billing.price.preview"
    _description = "Billing Price Preview"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    product_id = fields.Many2one("product.product", required=True)
    quantity = fields.Float(
        default=1.0,
        digits="Product Unit",
        help="Quantity billed on one line: minimum-quantity rules are reached with it.",
    )
    allowed_uom_ids = fields.Many2many("uom.uom", compute="_compute_allowed_uom_ids")
    uom_id = fields.Many2one(
        "uom.uom",
        string="Unit",
        compute="_compute_uom_id",
        store=True,
        readonly=False,
        domain="[('id', 'in', allowed_uom_ids)]",
    )
    date = fields.Date(
        default=fields.Date.context_today,
        required=True,
        help="Rules must be in effect on this date; currencies convert at its rate.",
    )
    currency_id = fields.Many2one(
        "res.currency",
        help="Leave empty to bill in the currency of the customer's price list.",
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    use_explicit_price = fields.Boolean(
        string="Explicit Rate",
        help="Preview an item that carries its own rate: that rate is billed, even 0.",
    )
    explicit_price = fields.Float(string="Rate", digits="Product Price")

    pricelist_id = fields.Many2one(
        "product.pricelist", string="Customer's Price List", compute="_compute_billing_price"
    )
    price = fields.Float(string="Billing Price", digits="Product Price", compute="_compute_billing_price")
    price_currency_id = fields.Many2one("res.currency", compute="_compute_billing_price")
    price_source = fields.Selection(PRICE_SOURCES, compute="_compute_billing_price")
    rule_id = fields.Many2one(
        "product.pricelist.item", string="Applied Rule", compute="_compute_billing_price"
    )
    error_message = fields.Text(compute="_compute_billing_price")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if (
            context.get("active_model") == "res.partner"
            and context.get("active_id")
            and "partner_id" in fields_list
        ):
            values.setdefault("partner_id", context["active_id"])
        return values

    @api.depends("product_id")
    def _compute_allowed_uom_ids(self):
        for preview in self:
            preview.allowed_uom_ids = preview.product_id.uom_id | preview.product_id.uom_ids

    @api.depends("product_id")
    def _compute_uom_id(self):
        for preview in self:
            preview.uom_id = preview.product_id.uom_id

    @api.depends(
        "partner_id",
        "product_id",
        "quantity",
        "uom_id",
        "date",
        "currency_id",
        "company_id",
        "use_explicit_price",
        "explicit_price",
    )
    def _compute_billing_price(self):
        for preview in self:
            preview.pricelist_id = preview.partner_id.with_company(
                preview.company_id
            ).property_product_pricelist
            preview.update(
                {
                    "price": 0.0,
                    "price_currency_id": False,
                    "price_source": False,
                    "rule_id": False,
                    "error_message": False,
                }
            )
            if not (preview.partner_id and preview.product_id):
                continue
            request = {
                "partner_id": preview.partner_id._origin.id,
                "product_id": preview.product_id._origin.id,
                "quantity": preview.quantity,
                "date": preview.date,
                "uom_id": preview.uom_id._origin.id,
                "currency_id": preview.currency_id._origin.id,
                "company_id": preview.company_id._origin.id,
                "explicit_price": preview.explicit_price if preview.use_explicit_price else None,
            }
            try:
                (result,) = self.env["product.pricelist"].resolve_billing_prices([request])
            except UserError as error:
                preview.error_message = str(error)
                continue
            preview.update(
                {
                    "price": result["price"],
                    "price_currency_id": result["currency_id"],
                    "price_source": result["source"],
                    "rule_id": result["rule_id"],
                }
            )
