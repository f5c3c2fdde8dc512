from . import (
    test_consumption_access,
    test_consumption_api,
    test_consumption_billing_engine,
    test_consumption_billing_flows,
    test_consumption_concurrency,
    test_consumption_import,
    test_consumption_ingest,
    test_consumption_record,
    test_consumption_statement,
    test_install,
    test_portal_consumption,
)
