import psycopg2.errors

from odoo import models
from odoo.tools import mute_logger

SOURCE_KEY_PREFIX = "consumption_source_run:"
ORDERS_KEY_PREFIX = "consumption_orders:"
# A job in these states still has to run, or is running: the same work is not enqueued again.
ACTIVE_STATES = ("wait_dependencies", "pending", "enqueued", "started")


def enqueue_once(env, identity_key, enqueue):
    """Call ``enqueue`` (which stores one job with ``identity_key``) unless a job of that key is waiting
    or running. Returns whether it was enqueued.

    queue_job itself only looks for a waiting job of the same key; this also skips a running one, and the
    unique index of ``enqueue_once_index()`` on the key's prefix refuses the second of two plannings at the
    same moment, which both found none."""
    if (
        env["queue.job"]
        .sudo()
        .search_count([("identity_key", "=", identity_key), ("state", "in", ACTIVE_STATES)], limit=1)
    ):
        return False
    try:
        # The refusal of the unique index is expected: no "bad query" error in the log for it.
        with env.cr.savepoint(), mute_logger("odoo.sql_db"):
            enqueue()
    except psycopg2.errors.UniqueViolation:
        return False
    return True


def enqueue_once_index(*key_prefixes):
    """The unique index on ``queue.job`` that ``enqueue_once()`` relies on, for the identity keys starting
    with ``key_prefixes``: one waiting or running job per key; a finished job leaves it. Each addon that
    enqueues through ``enqueue_once()`` declares one for its own prefixes, which goes with the addon."""
    keys = " OR ".join(f"identity_key LIKE '{prefix}%'" for prefix in key_prefixes)
    return models.UniqueIndex(f"(identity_key) WHERE ({keys}) AND state IN {ACTIVE_STATES!r}")


class QueueJob(models.Model):
    _inherit = "queue.job"

    _consumption_work_once = enqueue_once_index(SOURCE_KEY_PREFIX, ORDERS_KEY_PREFIX)

    def _related_action_consumption_orders(self):
        """*Related* on a job of the order wizard: the sale orders of its customers billing consumption of
        its period (those it created, once it ran)."""
        self.ensure_one()
        customer_ids, date_from, date_to = self.args[:3]
        action = self.env["ir.actions.act_window"]._for_xml_id("sale.action_quotations_with_onboarding")
        action.update(
            name=self.env._("Sale orders of the job"),
            domain=[
                ("partner_id", "in", list(customer_ids)),
                (
                    "order_line.consumption_record_ids",
                    "any",
                    [("date", ">=", date_from), ("date", "<=", date_to)],
                ),
            ],
            context={"create": False},
        )
        return action
