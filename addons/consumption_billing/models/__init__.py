from . import account_move_line, consumption_record, consumption_record_ingest, res_partner, sale_order_line
