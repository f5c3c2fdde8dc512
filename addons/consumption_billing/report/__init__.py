from . import consumption_statement
from . import consumption_list_xlsx
