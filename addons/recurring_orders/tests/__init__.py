from . import (
    test_install,
    test_periods,
    test_recurring_concurrency,
    test_recurring_consumption,
    test_recurring_dashboard,
    test_recurring_dashboard_access,
    test_recurring_dashboard_export,
    test_recurring_finalize,
    test_recurring_generation,
    test_recurring_lifecycle,
    test_recurring_schedule,
    test_subject,
)
