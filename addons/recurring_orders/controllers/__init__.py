from . import dashboard_export
from . import portal
