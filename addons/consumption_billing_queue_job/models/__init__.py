from . import consumption_source, queue_job
