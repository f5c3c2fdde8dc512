# The mixin first: the dashboard and the revenue report inherit from it.
from . import recurring_order_report

# isort: split
from . import (
    account_move,
    recurring_dashboard,
    recurring_invoice_generator,
    recurring_invoice_journal_items,
    sale_order,
    sale_order_line,
)
