# isort: off
from . import consumption_document_mixin  # first: models below inherit it
# isort: on
from . import (
    account_move,
    account_move_line,
    account_move_send,
    consumption_billing,
    consumption_record,
    consumption_record_ingest,
    res_company,
    res_config_settings,
    res_partner,
    sale_order,
    sale_order_line,
)
