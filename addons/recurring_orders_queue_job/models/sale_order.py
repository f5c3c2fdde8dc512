from odoo import api, models

from .recurring_invoice_generator import PLAN_CONTEXT_KEY


class SaleOrder(models.Model):
    _inherit = "sale.order"

    @api.model
    def _cron_generate_recurring_invoices(self):
        """The daily cron only plans: one job per batch of due orders."""
        planning = self.with_context(**{PLAN_CONTEXT_KEY: True})
        return super(SaleOrder, planning)._cron_generate_recurring_invoices()

    def action_generate_due_invoices(self):
        """A user's click generates at once, whatever context the client sends."""
        return super(SaleOrder, self.with_context(**{PLAN_CONTEXT_KEY: False})).action_generate_due_invoices()
