from http import HTTPStatus

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestConsumptionSourceApi(HttpCase):
    """The authentication header of a source through JSON-2, as an integrator's key would ask for it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            "source_api_manager",
            groups="base.group_user,consumption_billing.group_consumption_manager",
            company_ids=[Command.set(cls.env.company.ids)],
        )
        cls.integrator = new_test_user(
            cls.env,
            "source_api_integrator",
            groups="base.group_user,consumption_billing.group_consumption_user",
            company_ids=[Command.set(cls.env.company.ids)],
        )
        cls.source = cls.env["consumption.source"].create(
            {
                "name": "Meter API",
                "url": "https://meters.example.com/usage",
                "auth_header": "Authorization: Bearer s3cret-token",
                "user_id": cls.manager.id,
            }
        )

    def _call(self, user, method, **payload):
        # sudo: a key without expiry needs it; the key still acts as the user.
        key = self.env["res.users.apikeys"].with_user(user).sudo()._generate(None, "source test", None)
        return self.url_open(
            f"/json/2/consumption.source/{method}",
            json=payload,
            headers={"Authorization": f"bearer {key}", "X-Odoo-Database": self.env.cr.dbname},
        )

    @mute_logger("odoo.http")
    def test_consumption_user_reads_neither_sources_nor_their_header(self):
        for fields in (["name"], ["auth_header"]):
            with self.subTest(fields=fields):
                response = self._call(self.integrator, "read", ids=self.source.ids, fields=fields)
                self.assertEqual(response.status_code, HTTPStatus.FORBIDDEN, response.text)
                self.assertNotIn("s3cret", response.text)
        response = self._call(self.integrator, "search_read", domain=[], fields=["auth_header"])
        self.assertEqual(response.status_code, HTTPStatus.FORBIDDEN, response.text)

    def test_manager_reads_the_header(self):
        response = self._call(self.manager, "read", ids=self.source.ids, fields=["auth_header"])
        self.assertEqual(response.status_code, HTTPStatus.OK, response.text)
        self.assertEqual(response.json()[0]["auth_header"], "Authorization: Bearer s3cret-token")
