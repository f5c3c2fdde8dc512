from . import account_move, recurring_dashboard, recurring_invoice_generator, sale_order, sale_order_line
