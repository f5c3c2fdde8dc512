from odoo import models

from .recurring_invoice_generator import IDENTITY_KEY_PREFIX


class QueueJob(models.Model):
    _inherit = "queue.job"

    # queue_job only looks for a waiting job with the same identity key before storing a new one: two
    # plannings at the same moment both find none. This index makes the second one fail (and skip the
    # batch) while a job of the same orders and date has not finished; a finished job leaves it.
    _recurring_invoicing_batch_once = models.UniqueIndex(
        f"(identity_key) WHERE identity_key LIKE '{IDENTITY_KEY_PREFIX}%' "
        "AND state IN ('wait_dependencies', 'pending', 'enqueued', 'started')"
    )

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
