"""Browser tour: a consumption manager creates an HTTP source, previews it, fetches it, reads the run log
and finds the records."""

from odoo.addons.consumption_billing.tests.feed_server import FeedServer
from odoo.tests import HttpCase, tagged

from .dates import user_today


@tagged("post_install", "-at_install")
class TestConsumptionSourcesTour(HttpCase):
    def test_create_preview_and_fetch_an_http_source(self):
        server = FeedServer()
        self.addCleanup(server.stop)
        self.env["res.partner"].create({"name": "Tour Feed Customer", "ref": "TOUR-FEED-CUST"})
        self.env["product.product"].create(
            {"name": "Tour calls", "default_code": "TOUR-CALLS", "type": "service"}
        )
        today = user_today(self.env).isoformat()
        server.serve(
            "/usage",
            {
                "rows": [
                    {
                        "partner": "TOUR-FEED-CUST",
                        "product": "TOUR-CALLS",
                        "date": today,
                        "quantity": number,
                        "external_ref": f"TOUR-FEED-{number}",
                        "description": f"Tour feed call {number}",
                    }
                    for number in (1, 2)
                ]
            },
        )
        # The form is prefilled like a user's own default would: the tour cannot know the server's port.
        self.env["ir.default"].set("consumption.source", "url", server.base_url + "/usage")
        self.env["ir.default"].set("consumption.source", "rows_key", "rows")
        self.start_tour(
            "/odoo/action-consumption_billing.action_consumption_source/new",
            "consumption_billing_source_tour",
            login="admin",
        )
        source = self.env["consumption.source"].search([("name", "=", "Tour meter feed")])
        self.assertRecordValues(source.run_ids, [{"state": "done", "rows_created": 2}])
        records = self.env["consumption.record"].search(
            [("external_ref", "in", ["TOUR-FEED-1", "TOUR-FEED-2"])]
        )
        self.assertEqual(len(records), 2)
