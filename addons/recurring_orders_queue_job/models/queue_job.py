from odoo import models
from odoo.addons.consumption_billing_queue_job.models.queue_job import enqueue_once_index

from .recurring_invoice_generator import IDENTITY_KEY_PREFIX


class QueueJob(models.Model):
    _inherit = "queue.job"

    # A batch is enqueued once while a job of the same orders and date waits or runs (``enqueue_once()``).
    _recurring_invoicing_batch_once = enqueue_once_index(IDENTITY_KEY_PREFIX)

    def _related_action_recurring_orders(self):
        """*Related* on a recurring invoicing job: the orders of its batch."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("sale.action_orders")
        action.update(
            name=self.env._("Orders of the job"),
            domain=[("id", "in", list(self.args[0]))],
            context={"create": False},
        )
        return action
