# The mixin first: invoices and orders inherit from it.
from . import recurring_engine_guard

# isort: split
from . import (
    account_move,
    account_move_send,
    product_template,
    recurring_invoice_generator,
    recurring_invoice_journal_items,
    res_company,
    res_config_settings,
    sale_order,
    sale_order_line,
)
