"""tools.snapshot_reader in a transaction that has written: what it wrote is invisible to any other
connection, so every query runs on its own cursor (the background threads are tested with committed data,
by tests/test_dashboard_export_snapshot.py)."""

from odoo.tests import TransactionCase
from odoo.tools import SQL

from ..tools.snapshot_reader import SnapshotReader


class TestSnapshotReaderAfterAWrite(TransactionCase):
    def test_reads_what_this_transaction_wrote_on_its_own_cursor(self):
        partner = self.env["res.partner"].create({"name": "Written Here"})
        self.env.flush_all()
        with SnapshotReader(self.env.cr) as reader:
            self.assertFalse(reader.in_background)
            names = reader.fetch_all(SQL("SELECT name FROM res_partner WHERE id = %s", partner.id))
            chunks = list(
                reader.fetch_each(
                    [SQL("SELECT name FROM res_partner WHERE id = %s", partner.id), SQL("SELECT 2 AS n")]
                )
            )
            self.assertEqual(names(), [{"name": "Written Here"}])
        self.assertEqual(chunks, [[{"name": "Written Here"}], [{"n": 2}]])
