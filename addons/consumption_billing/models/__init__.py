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
    consumption_source,
    consumption_source_fetch,
    consumption_source_run,
    ir_http,
    res_company,
    res_config_settings,
    res_partner,
    sale_order,
    sale_order_line,
)

# isort: split
# Extensions of consumption.record that build on the ingestion above.
from . import consumption_record_lifecycle
