from odoo import Command, fields, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    consumption_record_ids = fields.One2many(
        "consumption.record",
        "sale_line_id",
        string="Consumption",
        groups="consumption_billing.group_consumption_user",
        help="Consumption billed on this line.",
    )

    def _prepare_invoice_line(self, **optional_values):
        """The invoice line of a consumption line carries its records (those not already on another
        invoice, archived ones included, of the order's company), so posting the invoice bills them, and
        the same description as the order line."""
        values = super()._prepare_invoice_line(**optional_values)
        # sudo: whoever invoices the order (a salesperson) hands its consumption over to the invoice.
        records = (
            self.sudo()
            .with_context(active_test=False)
            .consumption_record_ids.filtered(
                lambda record: not record.invoice_line_id and record.company_id == self.company_id
            )
        )
        if records and values.get("display_type") == "product":
            values["consumption_record_ids"] = [Command.set(records.ids)]
            values["name"] = self.name
        return values
