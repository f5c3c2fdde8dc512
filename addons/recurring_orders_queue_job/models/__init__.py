from . import queue_job, recurring_invoice_generator, sale_order
