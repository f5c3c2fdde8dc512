from . import billing_price_preview
