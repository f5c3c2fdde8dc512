"""Pure Python rules of recurring orders (dates, subject templates): no ORM, unit-tested in milliseconds."""

from . import engine, periods, subject
