from . import consumption_statement
from . import portal
