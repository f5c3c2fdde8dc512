from . import dashboard_export, portal
