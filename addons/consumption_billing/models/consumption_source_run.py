from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

# Successful runs are kept this long; failed runs stay until their source is deleted.
DONE_RUNS_KEPT_DAYS = 90


class ConsumptionSourceRun(models.Model):
    """One fetch of a consumption source: written once, by the source, at the end of the run."""

    _name = "consumption.source.run"
    _description = "Consumption Source Run"
    _order = "started_at desc, id desc"
    _rec_name = "started_at"

    source_id = fields.Many2one(
        "consumption.source", required=True, index=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="source_id.company_id", store=True, index=True)
    started_at = fields.Datetime(required=True, readonly=True)
    duration = fields.Float(string="Duration (s)", digits=(16, 2), readonly=True)
    state = fields.Selection([("done", "Done"), ("failed", "Failed")], required=True, readonly=True)
    rows_read = fields.Integer(readonly=True)
    rows_created = fields.Integer(readonly=True)
    rows_skipped = fields.Integer(
        readonly=True, help="Rows whose external reference was already recorded: never recorded twice."
    )
    units = fields.Integer(string="Pages or Files", readonly=True)
    error_message = fields.Text(readonly=True)

    @api.autovacuum
    def _gc_done_runs(self):
        limit = fields.Datetime.now() - relativedelta(days=DONE_RUNS_KEPT_DAYS)
        self.sudo().search([("state", "=", "done"), ("started_at", "<", limit)]).unlink()
