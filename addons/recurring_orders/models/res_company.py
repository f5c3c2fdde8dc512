from odoo import fields, models

PORTAL_ORDERS_SELECTION = [
    ("finalized", "Finalized recurring orders only"),
    ("confirmed", "All confirmed orders"),
]


class ResCompany(models.Model):
    _inherit = "res.company"

    recurring_portal_orders = fields.Selection(
        PORTAL_ORDERS_SELECTION,
        string="Recurring Orders on the Customer Portal",
        default="finalized",
        required=True,
        help="Finalized recurring orders only: a confirmed recurring order appears on the customer portal "
        "once finalized (before that, its page answers 'not found'; its invoices stay visible). All "
        "confirmed orders: as soon as they are confirmed. Orders without recurring invoicing are not "
        "concerned.",
    )
