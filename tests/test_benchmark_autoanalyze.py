"""The benchmarks' stand-in for autovacuum's analyze analyzes what autovacuum would, and only that."""

import uuid
from unittest import TestCase

import psycopg2

from . import processes
from .benchmarks.autoanalyze import AutoAnalyze


class TestAutoAnalyze(TestCase):
    def setUp(self):
        self.database = f"autoanalyze_{uuid.uuid4().hex[:8]}"
        processes.admin_sql(f'CREATE DATABASE "{self.database}"')
        self.addCleanup(processes.admin_sql, f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def _execute(self, *statements, database=None):
        """Run statements on a connection of its own and make their activity visible in pg_stat_* at once
        (a backend reports it when idle, at most once a second unless told to flush)."""
        connection = psycopg2.connect(dbname=database or self.database)
        connection.autocommit = True
        try:
            with connection.cursor() as cr:
                for statement in statements:
                    cr.execute(statement)
                cr.execute("SELECT pg_stat_force_next_flush()")
        finally:
            connection.close()

    def _statistics(self, table, database=None):
        return processes.query(
            database or self.database,
            "SELECT stat.n_mod_since_analyze, class.reltuples FROM pg_stat_user_tables stat"
            " JOIN pg_class class ON class.oid = stat.relid WHERE stat.relname = %s",
            [table],
        )[0]

    def test_analyzes_the_tables_past_autovacuums_threshold_in_the_database_and_its_copies(self):
        self._execute(
            "CREATE TABLE grown (value integer)",
            "CREATE TABLE barely_touched (value integer)",
            "INSERT INTO barely_touched SELECT generate_series(1, 1000)",
        )
        self._execute("ANALYZE")  # after the insert's statistics were reported, which ANALYZE resets
        copy = f"{self.database}_two"
        processes.admin_sql(f'CREATE DATABASE "{copy}" TEMPLATE "{self.database}"')
        self.addCleanup(processes.admin_sql, f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        for database in (self.database, copy):
            self._execute(
                "INSERT INTO grown SELECT generate_series(1, 5000)",
                # 60 changed rows of 1,000: under 50 + 10% (150), autovacuum would leave it alone.
                "UPDATE barely_touched SET value = -value WHERE value <= 60",
                database=database,
            )
        unrelated = f"other_{self.database}"
        processes.admin_sql(f'CREATE DATABASE "{unrelated}" TEMPLATE "{self.database}"')
        self.addCleanup(processes.admin_sql, f'DROP DATABASE IF EXISTS "{unrelated}" WITH (FORCE)')
        self._execute("INSERT INTO grown SELECT generate_series(1, 5000)", database=unrelated)

        keeper = AutoAnalyze(self.database)
        keeper.analyze_round()

        for database in (self.database, copy):
            self.assertEqual(self._statistics("grown", database), (0, 5000.0))
            self.assertEqual(self._statistics("barely_touched", database), (60, 1000.0))
        self.assertEqual(self._statistics("grown", unrelated), (5000, 0.0))
        self.assertEqual(keeper.analyzed, 2)
