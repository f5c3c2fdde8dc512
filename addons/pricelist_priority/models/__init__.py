# The mixin first: the line models inherit from it.
from . import billing_price_source_mixin

# isort: split
from . import account_move, account_move_line, product_pricelist, sale_order, sale_order_line
