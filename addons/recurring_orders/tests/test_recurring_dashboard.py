from freezegun import freeze_time

from odoo.fields import Command
from odoo.tests import tagged

from .common import D, RecurringOrdersCase

PROBLEM_FIELDS = (
    "has_missing_invoice",
    "has_duplicate_invoice",
    "has_amount_discrepancy",
    "has_missing_email",
    "has_inconsistency",
    "has_generation_error",
    "has_no_consumption",
)


class RecurringDashboardCase(RecurringOrdersCase):
    """Orders with payment terms and email addresses, so that only the problem built by a test shows."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.payment_term = cls.env.ref("account.account_payment_term_30days")
        cls.dashboard = cls.env["recurring.dashboard"]

    def _create_order(self, partner=None, confirm=True, **recurrence):
        recurrence.setdefault("payment_term_id", self.payment_term.id)
        return super()._create_order(partner=partner, confirm=confirm, **recurrence)

    def _row(self, order):
        """The order's dashboard row, read again (as a new request would)."""
        self.env.flush_all()
        self.dashboard.invalidate_model()
        row = self.dashboard.search([("order_id", "=", order.id)])
        self.assertEqual(len(row), 1, "one dashboard row per confirmed recurring order")
        return row

    def _problems(self, order):
        row = self._row(order)
        return {name for name in PROBLEM_FIELDS if row[name]}

    def _healthy_order(self):
        order = self._create_order()
        self._generate(order)
        return order


@tagged("post_install", "-at_install")
class TestRecurringDashboardProblems(RecurringDashboardCase):
    @freeze_time("2026-03-15")
    def test_healthy_order_has_no_problem(self):
        order = self._healthy_order()
        row = self._row(order)
        self.assertEqual(self._problems(order), set())
        self.assertEqual(row.problem_count, 0)
        self.assertFalse(row.problems)
        self.assertEqual(row.missing_count, 0)
        self.assertEqual(row.invoice_count, 3)
        self.assertEqual(row.current_period_invoice_count, 1)
        self.assertEqual(row.last_invoice_id.recurring_period_start, D(2026, 3, 1))
        self.assertEqual(row.last_invoice_amount, 210.0)
        self.assertEqual((row.amount_untaxed, row.amount_total), (210.0, 252.0))
        self.assertEqual(row.monthly_recurring_revenue, 210.0)
        self.assertEqual(row.next_date, D(2026, 4, 1))
        self.assertEqual(row.next_document_date, D(2026, 4, 1))
        self.assertEqual(row.invoice_partner_id, self.customer_en)
        self.assertEqual(row.frequency, "monthly")

    def test_missing_invoices_follow_today(self):
        with freeze_time("2026-03-15"):
            order = self._create_order()
            row = self._row(order)
            self.assertEqual(self._problems(order), {"has_missing_invoice"})
            self.assertEqual(row.missing_count, 3)
            self.assertEqual(row.next_date, D(2026, 1, 1))
            self.assertIn("3 due period(s)", row.problems)
            self._generate(order)
            self.assertEqual(self._problems(order), set())
        with freeze_time("2026-03-31"):
            self.assertEqual(self._row(order).missing_count, 0, "April is not due yet")
        with freeze_time("2026-04-01"):
            row = self._row(order)
            self.assertEqual(row.missing_count, 1, "a period that became due shows without any refresh")
            self.assertEqual(self._problems(order), {"has_missing_invoice"})

    @freeze_time("2026-03-15")
    def test_cancelled_invoice_is_missing_again(self):
        order = self._healthy_order()
        february = self._active_invoices(order).filtered(
            lambda move: move.recurring_period_start == D(2026, 2, 1)
        )
        february.button_cancel()
        row = self._row(order)
        self.assertEqual(row.missing_count, 1)
        self.assertEqual(row.next_date, D(2026, 2, 1))
        self.assertEqual(row.invoice_count, 2)

    @freeze_time("2026-03-15")
    def test_missing_stops_at_the_end_date(self):
        order = self._create_order(recurrence_date_end=D(2026, 2, 10))
        self.assertEqual(self._row(order).missing_count, 2)
        self._generate(order)
        row = self._row(order)
        self.assertEqual(row.missing_count, 0)
        self.assertFalse(row.next_date)
        self.assertEqual(self._problems(order), set())

    @freeze_time("2026-03-15")
    def test_duplicate_invoice_made_by_hand(self):
        order = self._healthy_order()
        self.assertEqual(self._problems(order), set())
        self._hand_made_invoice(order, D(2026, 2, 20))
        row = self._row(order)
        self.assertEqual(self._problems(order), {"has_duplicate_invoice"})
        self.assertEqual(row.duplicate_period_count, 1)
        self.assertIn("1 period(s) billed more than once", row.problems)

    @freeze_time("2026-03-15")
    def test_amount_discrepancy_when_the_order_or_the_invoice_changes(self):
        order = self._create_order(recurrence_invoice_state="draft")
        self._generate(order)
        self.assertEqual(self._problems(order), set())
        last_invoice = self._row(order).last_invoice_id
        last_invoice.write(
            {"invoice_line_ids": [Command.create({"product_id": self.product_option.id, "price_unit": 15.0})]}
        )
        row = self._row(order)
        self.assertEqual(self._problems(order), {"has_amount_discrepancy"})
        self.assertEqual(row.last_invoice_amount, 225.0)
        self.assertIn("Amount discrepancy", row.problems)
        last_invoice.invoice_line_ids.filtered(lambda line: line.price_unit == 15.0).unlink()
        self.assertEqual(self._problems(order), set())
        order.order_line.filtered(lambda line: line.product_id == self.product_option).price_unit = 35.0
        self.assertEqual(self._problems(order), {"has_amount_discrepancy"}, "the order now bills 215.00")

    @freeze_time("2026-03-15")
    def test_consumption_lines_are_not_part_of_the_subscription(self):
        order = self._create_order(recurrence_invoice_state="draft")
        self._generate(order)
        last_invoice = self._row(order).last_invoice_id
        last_invoice.write(
            {"invoice_line_ids": [Command.create({"product_id": self.product_option.id, "price_unit": 15.0})]}
        )
        consumption_line = last_invoice.invoice_line_ids.filtered(lambda line: line.price_unit == 15.0)
        # Linked as the billing engine links it.
        self.env["consumption.record"].with_context(
            **self.env["consumption.billing"]._engine_context()
        ).create(
            {
                "partner_id": order.partner_id.id,
                "product_id": self.product_option.id,
                "quantity": 1,
                "date": D(2026, 3, 2),
                "invoice_line_id": consumption_line.id,
            }
        )
        self.assertEqual(self._problems(order), set())
        self.assertEqual(self._row(order).last_invoice_amount, 210.0)

    @freeze_time("2026-03-15")
    def test_missing_email_when_invoices_are_sent(self):
        customer = self.env["res.partner"].create({"name": "No Mail Ltd", "is_company": True})
        order = self._create_order(
            partner=customer, recurrence_invoice_state="sent", recurrence_date_start=D(2026, 4, 1)
        )
        row = self._row(order)
        self.assertEqual(self._problems(order), {"has_missing_email"})
        self.assertIn("No Mail Ltd has no email address", row.problems)
        order.recurrence_invoice_state = "posted"
        self.assertEqual(self._problems(order), set(), "posted without sending needs no email")

    @freeze_time("2026-03-15")
    def test_bill_parent_without_parent_company(self):
        order = self._create_order(recurrence_bill_parent=True, recurrence_date_start=D(2026, 4, 1))
        row = self._row(order)
        self.assertEqual(self._problems(order), {"has_inconsistency"})
        self.assertTrue(row.is_parent_missing)
        self.assertIn("no parent company", row.problems)
        subsidiary_order = self._create_order(
            partner=self.customer_fr, recurrence_bill_parent=True, recurrence_date_start=D(2026, 4, 1)
        )
        row = self._row(subsidiary_order)
        self.assertEqual(self._problems(subsidiary_order), set())
        self.assertEqual(row.invoice_partner_id, self.holding)

    @freeze_time("2026-03-15")
    def test_archived_customer_or_parent(self):
        order = self._create_order(partner=self.customer_fr, recurrence_date_start=D(2026, 4, 1))
        self.assertEqual(self._problems(order), set())
        self.holding.action_archive()
        self.assertEqual(self._problems(order), {"has_inconsistency"})
        self.assertTrue(self._row(order).is_partner_archived)
        self.holding.action_unarchive()
        self.customer_fr.action_archive()
        self.assertTrue(self._row(order).is_partner_archived)

    @freeze_time("2026-03-15")
    def test_order_company_differs_from_the_customer_company(self):
        other_company = self.env["res.company"].create({"name": "Other Company (dashboard)"})
        customer = self.env["res.partner"].create(
            {"name": "Shared Customer", "is_company": True, "email": "s@x.example"}
        )
        order = self._create_order(partner=customer, recurrence_date_start=D(2026, 4, 1))
        self.assertEqual(self._problems(order), set(), "a customer shared between companies is fine")
        # The ORM refuses to move a customer with orders into another company: imported data can still differ.
        self.env.cr.execute(
            "UPDATE res_partner SET company_id = %s WHERE id = %s", (other_company.id, customer.id)
        )
        customer.invalidate_recordset(["company_id"])
        row = self._row(order)
        self.assertEqual(self._problems(order), {"has_inconsistency"})
        self.assertTrue(row.is_company_mismatch)
        self.assertEqual(row.customer_company_id, other_company)
        self.assertIn("Other Company (dashboard)", row.problems)

    @freeze_time("2026-03-15")
    def test_product_without_income_account(self):
        category = self.env["product.category"].create({"name": "No account (dashboard)"})
        category.property_account_income_categ_id = False
        product = self.env["product.product"].create(
            {"name": "Unaccounted service", "type": "service", "categ_id": category.id, "list_price": 10.0}
        )
        order = self._create_order(recurrence_date_start=D(2026, 4, 1))
        order.order_line = [
            Command.create({"product_id": product.id, "product_uom_qty": 1, "price_unit": 10.0})
        ]
        self.assertEqual(self._problems(order), set(), "the company's default income account applies")
        income_account = self.company.income_account_id
        (self.product_subscription | self.product_option).property_account_income_id = income_account
        # No company default (also the categories' default), no default account on the sales journals.
        self.company.income_account_id = False
        journals = self.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", self.company.id)]
        )
        self.env.cr.execute(
            "UPDATE account_journal SET default_account_id = NULL WHERE id IN %s", (tuple(journals.ids),)
        )
        journals.invalidate_recordset(["default_account_id"])
        row = self._row(order)
        self.assertEqual(self._problems(order), {"has_inconsistency"})
        self.assertEqual(row.product_without_account_id, product)
        self.assertIn("no active income account for Unaccounted service", row.problems)
        product.property_account_income_id = income_account
        self.assertEqual(self._problems(order), set())
        # An archived income account fails the posting as surely as none.
        income_account.active = False
        self.assertEqual(self._problems(order), {"has_inconsistency"})
        self.assertEqual(self._row(order).product_without_account_id, self.product_subscription)
        # Lines of quantity 0 are not invoiced: their accounts do not matter.
        order.order_line.filtered(lambda line: line.product_id != product).product_uom_qty = 0
        self.assertEqual(self._row(order).product_without_account_id, product)
        product.property_account_income_id = self.env["account.account"].create(
            {"name": "Active income (dashboard)", "code": "DASHINC", "account_type": "income"}
        )
        self.assertEqual(self._problems(order), set())

    @freeze_time("2026-03-15")
    def test_payment_term_needed_by_companies_and_customers_with_terms(self):
        order = self._create_order(payment_term_id=False, recurrence_date_start=D(2026, 4, 1))
        self.assertFalse(order.recurrence_payment_term_id)
        self.assertEqual(self._problems(order), {"has_inconsistency"})
        self.assertTrue(self._row(order).is_payment_term_missing)
        person = self.env["res.partner"].create({"name": "Paul Private", "email": "paul@private.example"})
        private_order = self._create_order(
            partner=person, payment_term_id=False, recurrence_date_start=D(2026, 4, 1)
        )
        self.assertEqual(self._problems(private_order), set(), "a private customer pays on receipt")
        person.property_payment_term_id = self.payment_term
        self.assertEqual(
            self._problems(private_order), {"has_inconsistency"}, "the customer has agreed terms"
        )

    @freeze_time("2026-03-15")
    def test_generation_failure_with_its_message(self):
        order = self._create_order()
        order.partner_id.action_archive()
        _invoices, failures = self._generate(order)
        self.assertIn(order, failures)
        row = self._row(order)
        self.assertTrue(row.has_generation_error)
        self.assertIn("is archived", row.generation_error)
        self.assertIn("Generation failed", row.problems)
        self.assertEqual(
            self._problems(order), {"has_missing_invoice", "has_inconsistency", "has_generation_error"}
        )
        self.assertEqual(row.problem_count, 3)
        order.partner_id.action_unarchive()
        self._generate(order)
        self.assertEqual(self._problems(order), set(), "a successful run clears the error")

    @freeze_time("2026-03-15")
    def test_rows_are_confirmed_recurring_orders_only(self):
        quotation = self._create_order(confirm=False)
        not_recurring = self._create_order(recurrence_enabled=False)
        recurring = self._create_order()
        self.env.flush_all()
        orders = self.dashboard.search([]).order_id
        self.assertIn(recurring, orders)
        self.assertNotIn(quotation, orders)
        self.assertNotIn(not_recurring, orders)


@tagged("post_install", "-at_install")
class TestRecurringDashboardSchedule(RecurringDashboardCase):
    """The SQL schedule must agree with the order's own (Python) schedule."""

    @freeze_time("2026-03-15")
    def test_next_document_date_matches_the_order_for_every_frequency_and_preference(self):
        frequencies = [value for value, _label in self.dashboard._selection_frequency()]
        preferences = [value for value, _label in self.dashboard._selection_date_preference()]
        orders = self.env["sale.order"]
        for frequency in frequencies:
            for preference in preferences:
                for alignment in ("calendar", "anniversary"):
                    for start in (D(2025, 12, 31), D(2026, 5, 31), D(2025, 8, 30)):
                        orders |= self._create_order(
                            recurrence_frequency=frequency,
                            recurrence_date_preference=preference,
                            recurrence_period_alignment=alignment,
                            recurrence_date_start=start,
                        )
        # Later periods of some orders: their next date is a later generation date (month ends).
        with freeze_time("2026-03-30"):
            self._generate(
                orders.filtered(
                    lambda order: (
                        order.recurrence_frequency != "daily"
                        and order.recurrence_date_preference == "next_period_end"
                    )
                )
            )
        self.env.flush_all()
        rows = self.dashboard.search([("order_id", "in", orders.ids)])
        self.assertEqual(len(rows), len(orders))
        for row in rows:
            order = row.order_id
            with self.subTest(
                frequency=row.frequency,
                preference=row.date_preference,
                alignment=order.recurrence_period_alignment,
                start=row.date_start,
            ):
                self.assertEqual(row.next_date, order.recurrence_next_date)
                self.assertEqual(row.next_document_date, order.recurrence_next_document_date)

    def test_missing_count_matches_the_order_schedule_at_month_ends(self):
        frequencies = [value for value, _label in self.dashboard._selection_frequency()]
        with freeze_time("2025-01-31"):
            orders = self.env["sale.order"]
            for frequency in frequencies:
                for alignment in ("calendar", "anniversary"):
                    for prorate in (False, True):
                        options = {
                            "recurrence_frequency": frequency,
                            "recurrence_period_alignment": alignment,
                            "recurrence_prorate": prorate,
                        }
                        orders |= self._create_order(recurrence_date_start=D(2025, 1, 31), **options)
                        orders |= self._create_order(
                            recurrence_date_start=D(2025, 1, 31),
                            recurrence_date_end=D(2025, 8, 30),
                            **options,
                        )
                        orders |= self._create_order(
                            recurrence_date_start=D(2025, 1, 30),
                            recurrence_date_end=D(2025, 3, 1),
                            recurrence_invoiced_until=D(2025, 2, 28),
                            **options,
                        )
            self._generate(orders)
        for today in (D(2025, 2, 27), D(2025, 2, 28), D(2025, 3, 30), D(2025, 3, 31), D(2025, 12, 31)):
            with freeze_time(today):
                self.env.flush_all()
                self.dashboard.invalidate_model()
                rows = self.dashboard.search([("order_id", "in", orders.ids)])
                invoiced = orders._recurrence_invoiced_periods()
                for row in rows:
                    order = row.order_id
                    expected = order._recurrence_uninvoiced_dates(invoiced.get(order.id, set()), until=today)
                    with self.subTest(
                        today=today,
                        frequency=order.recurrence_frequency,
                        alignment=order.recurrence_period_alignment,
                        prorate=order.recurrence_prorate,
                        start=order.recurrence_date_start,
                        end=order.recurrence_date_end,
                    ):
                        self.assertEqual(row.missing_count, len(expected))
                        self.assertEqual(row.has_missing_invoice, bool(expected))
                        today_first = order._recurrence_period_bounds(today)[0]
                        self.assertEqual(
                            row.current_period_invoice_count,
                            len(
                                order.recurrence_invoice_ids.filtered(
                                    lambda invoice, first=today_first, order=order: (
                                        invoice.recurring_period_start
                                        in (first, max(first, order.recurrence_date_start))
                                    )
                                )
                            ),
                        )

    def test_prorated_periods_are_counted_and_not_amount_discrepancies(self):
        order = self._create_order(
            recurrence_date_start=D(2026, 1, 15), recurrence_date_end=D(2026, 3, 10), recurrence_prorate=True
        )
        with freeze_time("2026-01-20"):
            self._generate(order)  # January 15-31: 1.10 + 0.55 units
            self.assertRecordValues(
                self._row(order),
                [
                    {
                        "missing_count": 0,
                        "current_period_invoice_count": 1,
                        "last_invoice_amount": 115.5,
                        "has_amount_discrepancy": False,
                    }
                ],
            )
        with freeze_time("2026-03-15"):
            self.assertRecordValues(self._row(order), [{"missing_count": 2, "has_amount_discrepancy": False}])
            self._generate(order)  # February, and March 1-10 on March's generation date, after the end
            self.assertRecordValues(
                self._row(order),
                [{"missing_count": 0, "last_invoice_amount": 68.1, "has_amount_discrepancy": False}],
            )

    def test_invoices_of_an_earlier_frequency_count_for_the_periods_they_start(self):
        with freeze_time("2026-03-15"):
            order = self._healthy_order()
            # An order switched before such a change was refused: set the legacy state in the database.
            self.env.cr.execute(
                "UPDATE sale_order SET recurrence_frequency = 'quarterly' WHERE id = %s", [order.id]
            )
            order.invalidate_recordset(["recurrence_frequency"])
            self.env.add_to_compute(order._fields["recurrence_next_date"], order)
            self.assertEqual(self._row(order).missing_count, 0, "January's invoice starts the first quarter")
        with freeze_time("2026-04-15"):
            row = self._row(order)
            self.assertEqual(row.missing_count, 1, "February's and March's invoices do not start a quarter")
            self.assertEqual(row.next_date, D(2026, 4, 1))
            invoiced = order._recurrence_invoiced_periods()
            self.assertEqual(
                len(order._recurrence_uninvoiced_dates(invoiced[order.id], until=D(2026, 4, 15))), 1
            )

    @freeze_time("2026-03-15")
    def test_monthly_recurring_revenue_per_frequency(self):
        expected = {
            "daily": 210 * 365.25 / 12,
            "weekly": 210 * 365.25 / 7 / 12,
            "monthly": 210,
            "quarterly": 70,
            "semiannual": 35,
            "annual": 17.5,
        }
        for frequency, mrr in expected.items():
            order = self._create_order(recurrence_frequency=frequency, recurrence_date_start=D(2026, 4, 1))
            with self.subTest(frequency=frequency):
                self.assertAlmostEqual(self._row(order).monthly_recurring_revenue, mrr, places=2)


@tagged("post_install", "-at_install")
class TestRecurringDashboardCountsAndActions(RecurringDashboardCase):
    @freeze_time("2026-03-15")
    def test_counts_match_the_rows(self):
        healthy = self._healthy_order()
        missing = self._create_order()
        no_email_customer = self.env["res.partner"].create({"name": "Silent SA", "is_company": True})
        two_problems = self._create_order(
            partner=no_email_customer, recurrence_invoice_state="sent", recurrence_bill_parent=True
        )
        self.env.flush_all()
        ours = [("order_id", "in", (healthy | missing | two_problems).ids)]
        counts = self.dashboard.get_problem_counts(ours)
        self.assertEqual(counts["total"], 3)
        self.assertEqual(counts["with_problems"], 2)
        by_key = {problem["key"]: problem for problem in counts["problems"]}
        self.assertEqual(
            {key: problem["count"] for key, problem in by_key.items()},
            {
                "missing": 2,
                "duplicate": 0,
                "amount": 0,
                "email": 1,
                "inconsistency": 1,
                "failed": 0,
                "consumption": 0,
            },
        )
        for problem in counts["problems"]:
            domain = [*ours, (problem["field"], "=", True)]
            self.assertEqual(problem["count"], self.dashboard.search_count(domain))
        self.assertEqual(self.dashboard.search(ours)[0].order_id, two_problems, "most problems first")
        self.assertEqual(self.dashboard.search([*ours, ("problem_count", "=", 0)]).order_id, healthy)
        all_counts = self.dashboard.get_problem_counts()
        self.assertEqual(all_counts["total"], self.dashboard.search_count([]))

    @freeze_time("2026-03-15")
    def test_counts_follow_the_filters(self):
        self._create_order()
        self.env.flush_all()
        counts = self.dashboard.get_problem_counts([("has_missing_invoice", "=", False)])
        missing = next(problem for problem in counts["problems"] if problem["key"] == "missing")
        self.assertEqual(missing["count"], 0)

    @freeze_time("2026-03-15")
    def test_generate_missing_now(self):
        order = self._create_order()
        row = self._row(order)
        action = row.action_generate_missing()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("3 invoice(s) generated", action["params"]["message"])
        self.assertEqual(
            self._active_invoices(order).mapped("recurring_period_start"),
            [D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)],
        )
        row = self._row(order)
        self.assertEqual(row.missing_count, 0)
        self.assertEqual(row.action_generate_missing()["params"]["type"], "info")

    @freeze_time("2026-03-15")
    def test_generate_missing_now_touches_only_the_selected_order(self):
        order, other = self._create_order(), self._create_order()
        self._row(order).action_generate_missing()
        self.assertEqual(len(self._active_invoices(order)), 3)
        self.assertFalse(other.recurrence_invoice_ids)

    @freeze_time("2026-03-15")
    def test_open_order_and_invoices(self):
        order = self._healthy_order()
        row = self._row(order)
        action = row.action_open_order()
        self.assertEqual((action["res_model"], action["res_id"]), ("sale.order", order.id))
        action = row.action_open_invoices()
        self.assertEqual(action["res_model"], "account.move")
        self.assertEqual(self.env["account.move"].search(action["domain"]), self._active_invoices(order))

    @freeze_time("2026-03-15")
    def test_export_action_downloads_the_current_search(self):
        action = self.dashboard.action_export_xlsx([("has_missing_invoice", "=", True)])
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertTrue(action["url"].startswith("/recurring_orders/dashboard/xlsx?domain="))
        self.assertIn("has_missing_invoice", action["url"])


@tagged("post_install", "-at_install")
class TestRecurringRevenue(RecurringDashboardCase):
    @freeze_time("2026-03-15")
    def test_quarterly_invoice_is_spread_over_its_months(self):
        order = self._create_order(recurrence_frequency="quarterly", recurrence_date_start=D(2026, 1, 15))
        monthly = self._create_order(recurrence_date_start=D(2026, 2, 1))
        self._generate(order | monthly)
        self.env.flush_all()
        revenue = self.env["recurring.revenue.report"]
        groups = revenue._read_group(
            [("order_id", "=", order.id)], ["month:month"], ["monthly_amount:sum", "invoiced_amount:sum"]
        )
        self.assertEqual(
            [(month, monthly_amount, invoiced) for month, monthly_amount, invoiced in groups],
            [(D(2026, 1, 1), 70.0, 210.0), (D(2026, 2, 1), 70.0, 0.0), (D(2026, 3, 1), 70.0, 0.0)],
        )
        total = revenue._read_group(
            [("order_id", "in", (order | monthly).ids), ("month", "=", D(2026, 3, 1))],
            [],
            ["monthly_amount:sum"],
        )
        self.assertEqual(total[0][0], 70.0 + 210.0)
