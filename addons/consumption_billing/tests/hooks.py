"""Testing a per-record hook: Odoo tests cannot add an override to a model at run time, so the hook is
wrapped instead. The wrapper calls the real hook and changes its result, as an override calling ``super()``
would; patching our own method, the ORM and the database stay real."""

from unittest import mock


class HookWrapperMixin:
    """For test cases: ``wrap_hook()`` stands for an override calling ``super()``."""

    def wrap_hook(self, model, method, change):
        """Patch ``model``'s ``method`` (``mock.patch.object(..., autospec=True, side_effect=...)``, undone
        at the end of the test) with a wrapper returning ``change(result, record, *args)`` of the real
        method's result; returns the mock, which records the calls."""
        model_class = type(self.env[model])
        real = getattr(model_class, method)

        def wrapper(record, *args, **kwargs):
            return change(real(record, *args, **kwargs), record, *args)

        patcher = mock.patch.object(model_class, method, autospec=True, side_effect=wrapper)
        hook = patcher.start()
        self.addCleanup(patcher.stop)
        return hook
