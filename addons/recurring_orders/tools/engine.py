"""Marks the writes of the recurring engine (generation, finalization).

Fields only the engine may write (an invoice's order and billed period, an order's finalization...) are
refused unless the environment's context holds ``ENGINE_TOKEN`` under ``ENGINE_KEY``. The token is a Python
object: a context sent over RPC (JSON-2, XML-RPC) or set in a view holds strings, numbers, lists and dicts,
never this object, so no client can forge it.
"""

ENGINE_KEY = "recurring_orders_engine"


class _EngineToken:
    __slots__ = ()

    def __repr__(self):
        return "<recurring_orders engine>"

    # Copies of a context (deep or not) keep the very same token.
    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


ENGINE_TOKEN = _EngineToken()


def engine_context():
    """The context values that mark the engine's writes."""
    return {ENGINE_KEY: ENGINE_TOKEN}


def is_engine(context):
    """Whether ``context`` (an environment's context) marks a write of the engine."""
    return context.get(ENGINE_KEY) is ENGINE_TOKEN
