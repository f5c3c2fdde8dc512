from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    recurrence_bill_once = fields.Boolean(
        string="Bill once",
        help="Default of the sale order lines of this product: on a recurring order, billed on the first "
        "generated invoice only (a set-up fee, hardware...).",
    )
