import importlib.util

from . import (
    test_dashboard_query,
    test_demo,
    test_install,
    test_periods,
    test_portal_recurring,
    test_recurring_api,
    test_recurring_billing_settings,
    test_recurring_catch_up,
    test_recurring_concurrency,
    test_recurring_consumption,
    test_recurring_dashboard,
    test_recurring_dashboard_access,
    test_recurring_dashboard_consumption,
    test_recurring_dashboard_export,
    test_recurring_engine_fields,
    test_recurring_finalize,
    test_recurring_generation,
    test_recurring_hooks,
    test_recurring_invoicing_progress,
    test_recurring_journal_items,
    test_recurring_lifecycle,
    test_recurring_prorate,
    test_recurring_schedule,
    test_snapshot_reader,
    test_subject,
)

# Property tests need hypothesis, a test-only library (test-requirements.txt): without it Odoo's test
# runner still loads and runs every other test.
if importlib.util.find_spec("hypothesis"):
    from . import test_periods_properties, test_subject_properties
