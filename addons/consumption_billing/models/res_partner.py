from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    consumption_count = fields.Integer(
        string="Consumption",
        compute="_compute_consumption_count",
        groups="consumption_billing.group_consumption_user",
    )

    def _compute_consumption_count(self):
        """Records of each customer and of its contacts, counted in one grouped query."""
        partners = self.with_context(active_test=False).search_fetch(
            [("id", "child_of", self.ids)],
            ["parent_id"],
        )
        counts = self.env["consumption.record"]._read_group(
            [("partner_id", "in", partners.ids)],
            ["partner_id"],
            ["__count"],
        )
        total_by_id = dict.fromkeys(self.ids, 0)
        for partner, count in counts:
            while partner:
                if partner.id in total_by_id:
                    total_by_id[partner.id] += count
                partner = partner.parent_id
        for partner in self:
            partner.consumption_count = total_by_id.get(partner.id, 0)

    def action_view_consumption(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "consumption_billing.action_consumption_record"
        )
        action["domain"] = [("partner_id", "child_of", self.id)]
        action["context"] = {"default_partner_id": self.id, "search_default_unbilled": 1}
        return action

    @api.model
    def name_search(self, name="", domain=None, operator="ilike", limit=100):
        """When consumption is imported, a customer VAT or reference shared by a company and its
        contacts (Odoo copies the VAT to contacts) designates the company, not an ambiguous match."""
        results = super().name_search(name, domain, operator, limit)
        if self.env.context.get("consumption_import") and operator == "=" and len(results) > 1:
            partners = self.browse(partner_id for partner_id, _name in results)
            commercial = partners.commercial_partner_id
            if len(commercial) == 1 and commercial in partners:
                return [(commercial.id, commercial.display_name)]
        return results
