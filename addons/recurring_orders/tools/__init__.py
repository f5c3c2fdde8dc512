"""Pure rules of recurring orders (dates and choice lists, subject templates, the dashboard's SQL), and a
reader of the current transaction's snapshot on other connections: no ORM."""

from . import dashboard_query, engine, periods, subject
