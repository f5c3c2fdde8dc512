from . import consumption_list_xlsx, consumption_statement
