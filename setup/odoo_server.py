"""Odoo's command line, as a script: a prefork server starts its websocket process by running its own
script again (``python -m odoo`` gives it a module file it cannot run)."""

import odoo.cli

if __name__ == "__main__":
    odoo.cli.main()
