"""Pure rules of recurring orders (dates and choice lists, subject templates, the dashboard's SQL): no ORM."""

from . import dashboard_query, engine, periods, subject
