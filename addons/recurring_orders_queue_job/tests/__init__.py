from . import test_recurring_jobs
