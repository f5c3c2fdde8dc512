"""Dates as the addons compute them for the user a tour logs in as."""

from odoo import fields


def user_today(env, login="admin"):
    """The date of today in the time zone of the user `login`: what the addons take as today in that user's
    session. The server's own date may already be another day (near midnight), or another month."""
    user = env["res.users"].search([("login", "=", login)], limit=1)
    return fields.Date.context_today(user.with_user(user))
