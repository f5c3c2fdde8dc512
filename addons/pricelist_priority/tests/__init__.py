from . import (
    test_billing_price_preview,
    test_billing_prices_batch,
    test_billing_request_errors,
    test_install,
    test_price_source,
    test_resolve_billing_prices,
)
