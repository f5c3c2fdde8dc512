from datetime import date
from unittest.mock import patch

import psycopg2.errors

from odoo import Command
from odoo.addons.consumption_billing.tests.common import ConsumptionCase
from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

PARAM = "consumption_billing_queue_job.customers_per_job"
KEY_PREFIX = "consumption_orders:"
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


@tagged("post_install", "-at_install")
class TestConsumptionOrderJobs(ConsumptionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param(PARAM, "2")
        cls.billing_user = new_test_user(
            cls.env,
            "cons_jobs_billing",
            groups="account.group_account_invoice,sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        Partner = cls.env["res.partner"]
        cls.gamma, cls.delta, cls.epsilon = Partner.create(
            [{"name": name, "is_company": True} for name in ("Gamma", "Delta", "Epsilon")]
        )
        cls.idle = Partner.create({"name": "Idle customer", "is_company": True})
        # Sorted by id, the customers make the chunks (Alpha, Beta), (Gamma, Delta), (Epsilon, Idle).
        cls.customers = cls.customer | cls.customer_b | cls.gamma | cls.delta | cls.epsilon | cls.idle
        cls.records = cls.Record.create(
            [
                cls.record_values(date="2026-03-02", quantity=100),
                cls.record_values(date="2026-03-20", quantity=50, rate=0.12, partner_id=cls.contact.id),
                cls.record_values(date="2026-03-15", product_id=cls.bank.id, quantity=3),
                cls.record_values(date="2026-03-05", partner_id=cls.customer_b.id, quantity=40),
                cls.record_values(date="2026-03-06", partner_id=cls.gamma.id, quantity=7),
                cls.record_values(date="2026-03-07", partner_id=cls.delta.id, quantity=8),
                cls.record_values(date="2026-03-08", partner_id=cls.epsilon.id, quantity=9),
                cls.record_values(date="2026-04-02", quantity=999),
            ]
        )
        cls.Wizard = cls.env["consumption.order.wizard"]

    def wizard(self, partners, user=None):
        return self.Wizard.with_user(user or self.billing_user).create(
            {"partner_ids": [Command.set(partners.ids)], "date_from": MARCH[0], "date_to": MARCH[1]}
        )

    def billing(self):
        """Each record with the customer, product, quantity and price of its order line (none: unbilled)."""
        return [
            (record.id, line.order_id.partner_id, line.product_id, line.product_uom_qty, line.price_unit)
            for record in self.records
            for line in [record.sale_line_id]
        ]

    def planned_jobs(self):
        return self.env["queue.job"].search([("identity_key", "=like", f"{KEY_PREFIX}%")], order="id")

    def orders(self):
        orders = self.env["sale.order"].search([("partner_id", "in", self.customers.ids)])
        return orders.sorted(lambda order: order.partner_id.id)

    def test_many_customers_queue_one_job_per_chunk_and_the_jobs_bill_as_the_wizard(self):
        Wizard = self.registry["consumption.order.wizard"]
        with patch.object(Wizard, "_customers_per_job", return_value=0), self.env.cr.savepoint() as savepoint:
            self.wizard(self.customers | self.contact).action_create_orders()
            self.env.flush_all()
            direct = self.billing()
            savepoint.close(rollback=True)
        self.env.invalidate_all()
        self.assertEqual(len(self.records.sale_line_id), 0, "the direct reference was rolled back")

        with trap_jobs() as trap:
            result = self.wizard(self.customers | self.contact).action_create_orders()

        self.assertEqual(
            result["params"]["message"],
            "3 jobs queued for 6 customers: the sale orders appear as they are created.",
        )
        self.assertEqual(result["params"]["next"], {"type": "ir.actions.act_window_close"})
        self.assertFalse(self.orders(), "no order created in the request")
        trap.assert_jobs_count(3, only=self.Wizard._job_create_orders)
        chunks = [self.customers[0:2], self.customers[2:4], self.customers[4:6]]
        self.assertEqual(
            [call.args for call in trap.calls], [(chunk.ids, *MARCH, "period") for chunk in chunks]
        )
        self.assertEqual(len({call.properties["identity_key"] for call in trap.calls}), 3)
        self.assertEqual({job.channel for job in trap.enqueued_jobs}, {"root.consumption_billing"})
        self.assertEqual({job.user_id for job in trap.enqueued_jobs}, {self.billing_user.id})

        jobs = list(trap.enqueued_jobs)
        trap.perform_enqueued_jobs()
        self.assertEqual(self.billing(), direct)
        user = self.billing_user
        self.assertRecordValues(
            self.orders(),
            [
                {"partner_id": partner.id, "create_uid": user.id, "consumption_record_count": count}
                for partner, count in zip(self.customers[:5], (3, 1, 1, 1, 1), strict=True)
            ],
        )
        self.assertEqual(
            [job.result for job in jobs],
            [
                "2 sale orders created, 0 customers had nothing to bill.",
                "2 sale orders created, 0 customers had nothing to bill.",
                "1 sale orders created, 1 customers had nothing to bill.",
            ],
        )

    def test_job_run_twice_or_after_a_direct_billing_bills_nothing_twice(self):
        with trap_jobs() as trap:
            self.wizard(self.customers).action_create_orders()
        first, second, _third = trap.enqueued_jobs
        first.perform()
        orders = self.orders()
        self.assertEqual(orders.partner_id, self.customer | self.customer_b)
        linked = self.records.mapped("sale_line_id")
        first.perform()  # a retry, or the job run again by hand
        self.assertEqual(first.result, "Nothing left to bill for these 2 customers.")
        self.assertEqual(self.orders(), orders)
        self.assertEqual(self.records.mapped("sale_line_id"), linked)

        self.wizard(self.gamma).action_create_orders()  # Gamma billed by someone else meanwhile
        second.perform()
        self.assertEqual(second.result, "1 sale orders created, 1 customers had nothing to bill.")
        self.assertRecordValues(
            self.orders() - orders,
            [
                {"partner_id": self.gamma.id, "consumption_record_count": 1},
                {"partner_id": self.delta.id, "consumption_record_count": 1},
            ],
        )

    def test_up_to_the_threshold_or_with_no_threshold_the_wizard_bills_at_once(self):
        with trap_jobs() as trap:
            result = self.wizard(self.customer | self.contact | self.customer_b).action_create_orders()
        trap.assert_jobs_count(0)
        self.assertEqual(result["params"]["message"], "2 sale order(s) created.")
        self.assertEqual(self.orders().partner_id, self.customer | self.customer_b)

        self.env["ir.config_parameter"].set_param(PARAM, "0")
        with trap_jobs() as trap:
            result = self.wizard(self.customers).action_create_orders()
        trap.assert_jobs_count(0)
        self.assertIn("3 sale order(s) created; 3 customer(s) had no unbilled", result["params"]["message"])

    def test_threshold_that_is_not_a_whole_number_gives_100(self):
        for value, expected in (("250", 250), ("0", 0), ("-3", 100), ("many", 100), (" 7 ", 7), (False, 100)):
            with self.subTest(value=value):
                self.env["ir.config_parameter"].set_param(PARAM, value)
                self.assertEqual(self.Wizard._customers_per_job(), expected)

    def test_user_without_billing_rights_cannot_queue(self):
        wizard = self.wizard(self.customers)
        with trap_jobs() as trap, self.assertRaisesRegex(AccessError, "Only billing users"):
            wizard.with_user(self.salesman).action_create_orders()
        trap.assert_jobs_count(0)
        with self.assertRaisesRegex(AccessError, "Only billing users"):
            self.wizard(self.customers, user=self.salesman)

    def test_second_click_queues_nothing_while_the_jobs_wait_or_run(self):
        wizard = self.wizard(self.customers)
        wizard.action_create_orders()
        jobs = self.planned_jobs()
        self.assertEqual(len(jobs), 3)
        self.assertEqual(set(jobs.mapped("state")), {"pending"})

        result = self.wizard(self.customers).action_create_orders()
        self.assertEqual(
            result["params"]["message"],
            "0 jobs queued for 6 customers, 3 were already queued: the sale orders appear as they are "
            "created.",
        )
        self.env.cr.execute("UPDATE queue_job SET state = 'started' WHERE id = ANY(%s)", [jobs.ids])
        self.wizard(self.customers).action_create_orders()
        self.assertEqual(self.planned_jobs(), jobs)
        # Two clicks at the same moment both find no job: the unique index refuses the second one.
        delayed = self.Wizard.with_delay(identity_key=jobs[0].identity_key)
        with (
            self.assertRaises(psycopg2.errors.UniqueViolation),
            self.env.cr.savepoint(),
            mute_logger("odoo.sql_db"),
        ):
            delayed._job_create_orders(self.customers[:2].ids, *MARCH, "period")

        # Another period is other work.
        other = self.wizard(self.customers)
        other.date_to = date(2026, 4, 30)
        other.action_create_orders()
        self.assertEqual(len(self.planned_jobs() - jobs), 3)

    def test_job_opens_the_orders_of_its_customers(self):
        self.wizard(self.customers).action_create_orders()
        job = self.planned_jobs()[0]
        Job.load(self.env, job.uuid).perform()
        action = job.open_related_action()
        self.assertEqual(action["res_model"], "sale.order")
        self.assertEqual(
            self.env["sale.order"].search(action["domain"]).partner_id, self.customer | self.customer_b
        )
