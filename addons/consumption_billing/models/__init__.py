# The mixin first: invoices and orders inherit from it.
from . import consumption_document_mixin

# isort: split
from . import (
    account_move,
    account_move_line,
    account_move_send,
    consumption_billing,
    consumption_record,
    consumption_record_ingest,
    ir_http,
    res_company,
    res_config_settings,
    res_partner,
    sale_order,
    sale_order_line,
)
