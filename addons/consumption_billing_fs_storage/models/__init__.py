from . import consumption_source
