from . import consumption_order_wizard
