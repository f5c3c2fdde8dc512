from . import (
    account_move,
    account_move_send,
    product_template,
    recurring_dashboard,
    recurring_invoice_generator,
    recurring_invoice_journal_items,
    sale_order,
    sale_order_line,
)
