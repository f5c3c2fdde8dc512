# The mixins first: invoices, orders and the dashboard inherit from them.
from . import recurring_engine_guard, recurring_order_report

# isort: split
from . import (
    account_move,
    recurring_dashboard,
    recurring_invoice_generator,
    recurring_invoice_journal_items,
    res_company,
    res_config_settings,
    sale_order,
    sale_order_line,
)
