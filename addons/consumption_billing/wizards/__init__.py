from . import consumption_invoice_wizard, consumption_order_wizard
