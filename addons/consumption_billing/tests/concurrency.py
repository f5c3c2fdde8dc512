"""Tests whose transactions run in threads of their own, with real commits."""

import threading
import unittest

from odoo.modules.registry import Registry
from odoo.tests import TransactionCase


def _other_threads_can_open_environments():
    """An environment needs the registry lock for a moment. Odoo's own test runner runs post-install
    tests while its thread holds that lock (it is still preloading the registry), so a transaction in
    another thread would wait for it forever."""
    free = []

    def probe():
        if Registry._lock.acquire(blocking=False):
            Registry._lock.release()
            free.append(True)

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join()
    return bool(free)


class ConcurrentTransactionCase(TransactionCase):
    """Runs under pytest-odoo (setup/test); skipped, with the reason, where other threads cannot start a
    transaction."""

    @classmethod
    def setUpClass(cls):
        if not _other_threads_can_open_environments():
            raise unittest.SkipTest(
                "the registry lock is held by the test runner: concurrent transactions cannot start "
                "(setup/test runs these tests)"
            )
        super().setUpClass()
