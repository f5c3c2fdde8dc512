"""Open an Odoo environment on a database from a standalone script (a cron worker's view of the world)."""

import argparse
from contextlib import contextmanager

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry


def parse_args(extra=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--addons-path", required=True)
    for name, options in (extra or {}).items():
        parser.add_argument(name, **options)
    args = parser.parse_args()
    odoo.tools.config.parse_config(
        [
            f"--addons-path={args.addons_path}",
            "-d",
            args.database,
            "--log-level=warn",
            "--log-handler=py.warnings:ERROR",
        ]
    )
    return args


@contextmanager
def environment(database, user_id=SUPERUSER_ID, context=None):
    """An environment on a new cursor, committed on success (like a cron job's)."""
    registry = Registry(database)
    with registry.cursor() as cr:
        yield api.Environment(cr, user_id, dict(context or {}))
