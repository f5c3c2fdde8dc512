"""The dashboard problem "No consumption this period": a consumption feed that stopped, found before
invoicing."""

from freezegun import freeze_time

from odoo.tests import tagged

from .common import D
from .test_recurring_dashboard import RecurringDashboardCase


@tagged("post_install", "-at_install")
@freeze_time("2026-05-10")
class TestRecurringDashboardNoConsumption(RecurringDashboardCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calls = cls.env["product.product"].create(
            {"name": "Metered calls", "type": "service", "list_price": 0.1, "invoice_policy": "order"}
        )
        cls.contact = cls.env["res.partner"].create({"name": "Jo Contact", "parent_id": cls.customer_en.id})

    def _consumed(self, *days, partner=None, company=None):
        return self.env["consumption.record"].create(
            [
                {
                    "partner_id": (partner or self.customer_en).id,
                    "product_id": self.calls.id,
                    "date": day,
                    "quantity": 5,
                    "company_id": (company or self.env.company).id,
                }
                for day in days
            ]
        )

    def _order_adding_consumption(self, **values):
        order = self._create_order(recurrence_consumption="current", **values)
        self._generate(order)
        return order

    def test_consumption_in_each_previous_period_and_none_now_is_a_problem(self):
        order = self._order_adding_consumption()
        self._consumed(D(2026, 2, 3), D(2026, 3, 31), D(2026, 4, 1))
        self.assertEqual(self._problems(order), {"has_no_consumption"})
        row = self._row(order)
        self.assertEqual(row.problem_count, 1)
        self.assertIn("No consumption this period", row.problems)
        self.assertIn(row, self.dashboard.search([("has_no_consumption", "=", True)]))

        self._consumed(D(2026, 5, 2), partner=self.contact)  # a contact's consumption is the customer's
        self.assertEqual(self._problems(order), set())

    def test_a_gap_in_the_previous_periods_or_no_consumption_option_is_no_problem(self):
        order = self._order_adding_consumption()
        self._consumed(D(2026, 2, 3), D(2026, 4, 1))  # nothing in March
        self.assertEqual(self._problems(order), set())

        without_consumption = self._create_order(partner=self.customer_fr)
        self._generate(without_consumption)
        self._consumed(D(2026, 2, 3), D(2026, 3, 3), D(2026, 4, 3), partner=self.customer_fr)
        self.assertEqual(self._problems(without_consumption), set())

    def test_only_the_order_company_consumption_counts(self):
        order = self._order_adding_consumption()
        other = self.env["res.company"].create({"name": "Other Consumer Co"})
        self.env.user.company_ids |= other
        self._consumed(D(2026, 2, 3), D(2026, 3, 3), D(2026, 4, 3))
        self._consumed(D(2026, 5, 3), company=other)
        self.assertEqual(self._problems(order), {"has_no_consumption"})

    def test_anniversary_periods_are_the_order_s_own(self):
        # Periods January 31 - February 27, February 28 - March 30, March 31 - April 29, April 30 - May 30.
        order = self._order_adding_consumption(
            recurrence_date_start=D(2026, 1, 31), recurrence_period_alignment="anniversary"
        )
        self._consumed(D(2026, 2, 27), D(2026, 3, 30), D(2026, 4, 29))
        self.assertEqual(self._problems(order), {"has_no_consumption"})
        self._consumed(D(2026, 4, 30))  # in the current period, though in April
        self.assertEqual(self._problems(order), set())
