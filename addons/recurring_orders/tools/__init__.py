"""Pure rules of recurring orders (dates, subject templates, the dashboard's SQL): no ORM."""

from . import dashboard_query, engine, periods, subject
