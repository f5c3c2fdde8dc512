from . import consumption_statement
