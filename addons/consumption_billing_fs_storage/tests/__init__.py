from . import test_consumption_source_storage
