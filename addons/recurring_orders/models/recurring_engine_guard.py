from odoo import api, models
from odoo.exceptions import UserError

from ..tools import engine


class RecurringEngineGuard(models.AbstractModel):
    """Refuses client writes of the fields only the recurring engine sets (``_recurring_engine_fields``).

    Those fields are read-only in the views, but the ORM, RPC, imports and context defaults would accept
    them: an invoice detached from its order or moved to another period frees that period (a second
    invoice, around the unique index), a client-written computed field points an order at a partner of
    another company. The engine marks its own writes with ``tools.engine``'s token, which no client can send.
    """

    _name = "recurring.engine.guard"
    _description = "Fields Written by Recurring Generation Only"

    _recurring_engine_fields = ()

    def _check_recurring_engine_write(self, field_names):
        """Refuse ``field_names`` that only the engine writes, unless the engine writes them."""
        if engine.is_engine(self.env.context):
            return
        refused = sorted(set(field_names) & set(self._recurring_engine_fields))
        if refused:
            labels = ", ".join(self._fields[name].get_description(self.env)["string"] for name in refused)
            raise UserError(
                self.env._(
                    "%(fields)s of %(model)s are set by recurring invoice generation only (finalizing, for "
                    "an order's lock) and cannot be written otherwise. To free a billed period, cancel its "
                    "invoice; to change what is billed, edit the recurring order.",
                    fields=labels,
                    model=self._description,
                )
            )

    @api.model
    def _check_recurring_engine_create(self, vals_list):
        """The same check for ``create()``, its values and the context's defaults."""
        names = {name for vals in vals_list for name, value in vals.items() if value}
        names |= {
            key.removeprefix("default_")
            for key, value in self.env.context.items()
            if value and key.startswith("default_")
        }
        self._check_recurring_engine_write(names)
