# The mixin first: the dashboard and the revenue report inherit from it.
from . import recurring_order_report

# isort: split
from . import dashboard_xlsx, recurring_dashboard, recurring_revenue_report
