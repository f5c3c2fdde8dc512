"""Planner statistics kept as a default PostgreSQL keeps them, on a server that runs without autovacuum.

This machine's PostgreSQL turns autovacuum off for CI. Without it, the statistics of a table stay those of
the ANALYZE after seeding while a scenario fills it: a plan chosen for an empty ``account_move`` is then
run on thousands of invoices (Odoo's sequence lookup at posting sorted every invoice of the year, 14 ms per
posting instead of 0.07 ms). A production server analyzes such a table within a minute.

``AutoAnalyze`` stands in for autovacuum's analyze, nothing more: every ``autovacuum_naptime`` (60 s by
default) it analyzes the tables of the run's databases whose rows changed since their last analyze exceed
autovacuum's default threshold, 50 rows + 10% of the table. bench.py starts it only when the server runs
without autovacuum.
"""

import sys
import threading
from pathlib import Path

import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from processes import query

NAPTIME_SECONDS = 60
ANALYZE_THRESHOLD = 50
ANALYZE_SCALE_FACTOR = 0.1

TABLES_TO_ANALYZE = """
    SELECT format('%%I.%%I', stat.schemaname, stat.relname)
      FROM pg_stat_user_tables stat
      JOIN pg_class class ON class.oid = stat.relid
     WHERE stat.n_mod_since_analyze > %s + %s * greatest(class.reltuples, 0)
"""


def server_runs_autovacuum():
    return query("postgres", "SHOW autovacuum") == [("on",)]


class AutoAnalyze(threading.Thread):
    """Analyzes, once a minute, the tables autovacuum would, in the database `database` and its copies
    (databases whose name starts with it, as the two-worker scenario's). Stop it with ``stop()``.

    It connects only for each round: CREATE DATABASE ... TEMPLATE waits up to 5 s for other sessions of
    its source to end, as it does for autovacuum's workers.
    """

    def __init__(self, database):
        super().__init__(name=f"autoanalyze {database}", daemon=True)
        self.database = database
        self.stopped = threading.Event()
        self.analyzed = 0

    def run(self):
        while not self.stopped.wait(NAPTIME_SECONDS):
            self.analyze_round()

    def analyze_round(self):
        databases = query(
            "postgres",
            "SELECT datname FROM pg_database WHERE starts_with(datname, %s) AND datallowconn",
            [self.database],
        )
        for (database,) in databases:
            self._analyze(database)

    def stop(self):
        self.stopped.set()
        self.join()

    def _analyze(self, database):
        try:
            connection = psycopg2.connect(dbname=database)
        except psycopg2.OperationalError:
            return  # dropped or being copied meanwhile
        connection.autocommit = True  # each ANALYZE commits (and releases its lock) at once
        try:
            with connection.cursor() as cr:
                cr.execute(TABLES_TO_ANALYZE, [ANALYZE_THRESHOLD, ANALYZE_SCALE_FACTOR])
                for (table,) in cr.fetchall():
                    if self.stopped.is_set():
                        return
                    cr.execute(f"ANALYZE {table}")
                    self.analyzed += 1
        except psycopg2.Error:
            return  # the database went away under us: the run is over
        finally:
            connection.close()
