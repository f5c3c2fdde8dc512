from . import consumption_statement, portal
