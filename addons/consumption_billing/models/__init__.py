from . import (
    account_move_line,
    account_move_send,
    account_move_statement,
    consumption_record,
    consumption_record_ingest,
    res_company,
    res_config_settings,
    res_partner,
    sale_order_line,
    sale_order_statement,
)
