"""Run read queries on other connections, in the snapshot of the current transaction, while this thread works.

A long export alternates two kinds of work on one connection: PostgreSQL computes rows while Python waits,
then Python writes them while PostgreSQL waits. A thread with a connection of its own that imports the
snapshot of the current transaction (``pg_export_snapshot``) computes the next rows while this thread
writes the previous ones, and sees exactly what this transaction sees. The queries are built by the calling
thread (the ORM and its access rules stay there); the threads only run them and hand back plain rows.

Another connection never sees what this transaction wrote and did not commit: after a write, or where the
snapshot cannot be imported (a connection pooler or a replica behind a load balancer), the same queries run
on the current cursor, one after the other, when their rows are asked for.
"""

import logging
import queue
import threading

import psycopg2

from odoo import sql_db

_logger = logging.getLogger(__name__)

# Put in a queue after the rows of the last query.
_DONE = object()
# Seconds between two checks of the stop signal by a thread waiting to hand over rows.
_STOP_POLL = 0.1


class SnapshotReader:
    """Reads for ``cr``'s transaction, in background threads when its snapshot can be shared.

    Use as a context manager: leaving it stops the threads (cancelling a query still running) and gives their
    connections back. ``prepare`` is SQL run first on every connection (planner settings of the transaction).
    """

    def __init__(self, cr, prepare=None):
        self._cr = cr
        self._prepare = prepare
        self._snapshot = None
        self._stop = threading.Event()
        self._workers = []

    def __enter__(self):
        self._cr.execute("SELECT pg_current_xact_id_if_assigned() IS NULL")
        if self._cr.fetchone()[0]:
            self._cr.execute("SELECT pg_export_snapshot()")
            self._snapshot = self._cr.fetchone()[0]
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        self._stop.set()
        for worker in self._workers:
            worker.cancel()
        for worker in self._workers:
            worker.thread.join()
        self._workers.clear()

    @property
    def in_background(self):
        """Whether the queries run on other connections (the snapshot is shared)."""
        return self._snapshot is not None

    def fetch_all(self, query):
        """Start ``query`` and return a function that returns its rows (dicts), waiting for them if needed."""
        cursor = self._background_cursor()
        if cursor is None:
            return lambda: self._rows(self._cr, query)
        result = {}

        def run():
            try:
                result["rows"] = self._rows(cursor, query)
            except BaseException as error:  # handed to the calling thread, which raises it
                result["error"] = error

        thread = self._start(run, cursor)

        def rows():
            thread.join()
            if "error" in result:
                raise result["error"]
            return result["rows"]

        return rows

    def fetch_each(self, queries, backlog=2):
        """Yield the rows (a list of dicts) of each of ``queries`` (a list, built beforehand) in turn; in the
        background, the rows of up to ``backlog`` queries ahead wait to be taken (bounded memory)."""
        cursor = self._background_cursor()
        if cursor is None:
            for query in queries:
                yield self._rows(self._cr, query)
            return
        handover = queue.Queue(maxsize=backlog)

        def run():
            try:
                for query in queries:
                    if self._stop.is_set() or not self._hand_over(handover, self._rows(cursor, query)):
                        return
            except BaseException as error:  # handed to the calling thread, which raises it
                self._hand_over(handover, error)
                return
            self._hand_over(handover, _DONE)

        self._start(run, cursor)
        while (item := handover.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item

    # ------------------------------------------------------------------

    def _rows(self, cursor, query):
        # a background query that fails is raised again, and logged, in the calling thread
        cursor.execute(query, log_exceptions=cursor is self._cr)
        return cursor.dictfetchall()

    def _background_cursor(self):
        """A cursor on a new connection in the shared snapshot; None to read on the current cursor."""
        if not self.in_background:
            return None
        cursor = sql_db.db_connect(self._cr.dbname, readonly=self._cr.readonly).cursor()
        try:
            cursor.execute("SET TRANSACTION SNAPSHOT %s", [self._snapshot], log_exceptions=False)
        except psycopg2.Error as error:
            cursor.close()
            _logger.info("Reading on the current connection: its snapshot cannot be imported (%s)", error)
            self._snapshot = None
            return None
        if self._prepare:
            cursor.execute(self._prepare)
        _logger.debug("Reading on a background connection in snapshot %s", self._snapshot)
        return cursor

    def _start(self, target, cursor):
        worker = _Worker(target, cursor)
        self._workers.append(worker)
        worker.thread.start()
        return worker.thread

    def _hand_over(self, handover, item):
        """Put ``item`` in the queue once there is room; False if the reader was left meanwhile."""
        while not self._stop.is_set():
            try:
                handover.put(item, timeout=_STOP_POLL)
                return True
            except queue.Full:
                continue
        return False


class _Worker:
    """A thread running ``target`` with its own cursor, closed when it ends; ``cancel`` stops the query it
    is running, never a query of the connection once given back to the pool."""

    def __init__(self, target, cursor):
        self._target = target
        self._cursor = cursor
        self._lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, name="snapshot-reader", daemon=True)

    def _run(self):
        try:
            self._target()
        finally:
            with self._lock:
                self._cursor.close()
                self._cursor = None

    def cancel(self):
        with self._lock:
            if self._cursor is not None:
                self._cursor.connection.cancel()
