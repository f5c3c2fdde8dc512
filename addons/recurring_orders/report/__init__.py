from . import dashboard_xlsx, recurring_revenue_report
