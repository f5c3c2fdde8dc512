from . import account_move, recurring_invoice_generator, sale_order, sale_order_line
from . import recurring_dashboard
