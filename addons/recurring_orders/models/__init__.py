
from . import recurring_dashboard
