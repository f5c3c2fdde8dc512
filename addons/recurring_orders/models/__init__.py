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
