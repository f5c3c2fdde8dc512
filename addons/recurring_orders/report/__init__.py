from . import recurring_revenue_report
from . import dashboard_xlsx
