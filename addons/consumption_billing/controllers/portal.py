from collections import OrderedDict

from odoo import fields, http
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.fields import Domain
from odoo.http import request
from odoo.tools import format_date

from .consumption_statement import xlsx_response


class ConsumptionPortal(CustomerPortal):
    """My Consumption (/my/consumption) and the consumption statements of the portal's invoices and
    orders. Records are read with the portal user's own rights (record rules: the commercial entity's
    consumption in the user's company); only product and unit names, which portal users may not read, are
    read as superuser for the records already found."""

    # ------------------------------------------------------------
    # My Consumption
    # ------------------------------------------------------------

    def _consumption_portal_enabled(self):
        return request.env.company.consumption_portal and request.env["consumption.record"].has_access("read")

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "consumption_count" in counters:
            values["consumption_count"] = (
                request.env["consumption.record"].search_count(self._consumption_domain(), limit=1)
                if self._consumption_portal_enabled()
                else 0
            )
        return values

    def _consumption_domain(self):
        partner = request.env.user.partner_id
        return Domain("partner_id", "child_of", [partner.commercial_partner_id.id])

    def _consumption_searchbar_filters(self):
        env = request.env
        return OrderedDict(
            [
                ("all", {"label": env._("All"), "domain": Domain.TRUE}),
                ("to_bill", {"label": env._("To Bill"), "domain": Domain("billed", "=", False)}),
                ("billed", {"label": env._("Billed"), "domain": Domain("billed", "=", True)}),
            ]
        )

    def _consumption_searchbar_sortings(self):
        env = request.env
        return {
            "date": {"label": env._("Newest"), "order": "date desc, id desc"},
            "product": {"label": env._("Product"), "order": "product_id, date desc, id desc"},
        }

    @staticmethod
    def _consumption_month(month):
        """The first day of the month named 'YYYY-MM', or None when it names none."""
        try:
            return fields.Date.to_date(f"{month}-01") if month else None
        except ValueError:
            return None

    def _consumption_filtered_domain(self, filterby, month, product):
        """The user's records narrowed by the status, month ('YYYY-MM') and product (id) chosen."""
        filters = self._consumption_searchbar_filters()
        domain = self._consumption_domain() & filters.get(filterby, filters["all"])["domain"]
        month_start = self._consumption_month(month)
        if month_start:
            domain &= Domain("date", ">=", month_start) & Domain(
                "date", "<", fields.Date.add(month_start, months=1)
            )
        if product and str(product).isdigit():
            domain &= Domain("product_id", "=", int(product))
        return domain

    def _consumption_names(self, products, uoms):
        """{id: name} of the products and of the units of records the user can read: portal users have no
        access to products and units themselves."""
        return (
            {product.id: product.display_name for product in products.sudo()},
            {uom.id: uom.name for uom in uoms.sudo()},
        )

    def _consumption_invoices(self, records):
        """The posted invoices the records were billed on, among those the user can open."""
        return records.invoice_id._filtered_access("read").filtered(lambda move: move.state == "posted")

    def _consumption_totals(self, domain):
        """Quantity per product (and unit) of the records matching the domain, by product name."""
        groups = request.env["consumption.record"]._read_group(
            domain, ["product_id", "uom_id"], ["quantity:sum"]
        )
        product_names, uom_names = self._consumption_names(
            request.env["product.product"].union(*(product for product, __, __ in groups)),
            request.env["uom.uom"].union(*(uom for __, uom, __ in groups)),
        )
        totals = [
            {"product": product_names[product.id], "uom": uom_names[uom.id], "quantity": quantity}
            for product, uom, quantity in groups
        ]
        return sorted(totals, key=lambda total: (total["product"], total["uom"]))

    def _prepare_consumption_values(self, page=1, filterby=None, sortby=None, month=None, product=None):
        Record = request.env["consumption.record"]
        filters = self._consumption_searchbar_filters()
        sortings = self._consumption_searchbar_sortings()
        filterby = filterby if filterby in filters else "all"
        sortby = sortby if sortby in sortings else "date"
        month = month if self._consumption_month(month) else None
        product = int(product) if product and str(product).isdigit() else None
        domain = self._consumption_filtered_domain(filterby, month, product)
        pager = portal_pager(
            url="/my/consumption",
            url_args={"filterby": filterby, "sortby": sortby, "month": month, "product": product},
            total=Record.search_count(domain),
            page=page,
            step=self._items_per_page,
        )
        records = Record.search(
            domain, order=sortings[sortby]["order"], limit=self._items_per_page, offset=pager["offset"]
        )
        user_domain = self._consumption_domain()
        months = [
            month_start
            for (month_start,) in Record._read_group(user_domain, ["date:month"], order="date:month desc")
        ]
        all_products = request.env["product.product"].union(
            *(product_rec for (product_rec,) in Record._read_group(user_domain, ["product_id"]))
        )
        option_names, __ = self._consumption_names(all_products, request.env["uom.uom"])
        product_names, uom_names = self._consumption_names(records.product_id, records.uom_id)
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "consumption",
                "default_url": "/my/consumption",
                "records": records,
                "product_names": product_names,
                "uom_names": uom_names,
                "invoices": self._consumption_invoices(records),
                "totals": self._consumption_totals(domain),
                "pager": pager,
                "searchbar_filters": filters,
                "filterby": filterby,
                "searchbar_sortings": sortings,
                "sortby": sortby,
                "month": month,
                "month_options": [
                    (month.strftime("%Y-%m"), format_date(request.env, month, date_format="MMMM yyyy"))
                    for month in months
                ],
                "product": product,
                "product_options": sorted(option_names.items(), key=lambda item: item[1]),
                "export_url": "/my/consumption/export",
            }
        )
        return values

    # Not readonly: the invoice links may create the invoices' access tokens.
    @http.route(
        ["/my/consumption", "/my/consumption/page/<int:page>"], type="http", auth="user", website=True
    )
    def portal_my_consumption(self, page=1, filterby=None, sortby=None, month=None, product=None, **kw):
        if not self._consumption_portal_enabled():
            raise request.not_found()
        values = self._prepare_consumption_values(page, filterby, sortby, month, product)
        return request.render("consumption_billing.portal_my_consumption", values)

    @http.route("/my/consumption/export", type="http", auth="user", methods=["GET"], readonly=True)
    def portal_my_consumption_export(self, filterby=None, month=None, product=None, **kw):
        """Every record of the filtered list (not only the page shown) as XLSX, with its totals."""
        if not self._consumption_portal_enabled():
            raise request.not_found()
        env = request.env
        domain = self._consumption_filtered_domain(filterby, month, product)
        records = env["consumption.record"].search(domain)
        product_names, uom_names = self._consumption_names(records.product_id, records.uom_id)
        invoices = self._consumption_invoices(records)
        rows = [
            {
                "date": record.date,
                "customer": record.partner_id.display_name,
                "product": product_names[record.product_id.id],
                "description": record.description or "",
                "quantity": record.quantity,
                "uom": uom_names[record.uom_id.id],
                "status": env._("Billed") if record.billed else env._("To Bill"),
                "invoice": record.invoice_id.name if record.invoice_id in invoices else "",
            }
            for record in records
        ]
        content = env["consumption.list.xlsx"]._render_xlsx(rows, self._consumption_totals(domain))
        filename = env._("Consumption %(date)s.xlsx", date=fields.Date.context_today(env.user).isoformat())
        return xlsx_response(filename, content)

    # ------------------------------------------------------------
    # Consumption statements of portal documents
    # ------------------------------------------------------------

    def _consumption_statement_response(self, model, document_id, access_token):
        """The statement of a document the user may open on the portal, by its rights or by the
        document's access token; anything else answers 404 and tells nothing of the document.

        The statement reads products, units and price sources, which portal users may not read: it is
        built as superuser once the access is established. A user who reads the document by its own
        rights must read every one of its consumption records too (the back office's rule); a valid access
        token grants its document and the consumption billed on it, the way Odoo renders the document's
        PDF from the same link."""
        try:
            document_sudo = self._document_check_access(model, document_id, access_token)
            document = document_sudo.with_env(request.env)
            if document.has_access("read"):
                request.env["consumption.statement"]._consumption_records(document)
            filename, content = document_sudo.env["consumption.statement"]._build_statement(document_sudo)
        except (AccessError, MissingError, UserError):
            raise request.not_found() from None
        return xlsx_response(filename, content)

    @http.route("/my/invoices/<int:invoice_id>/statement", type="http", auth="public", methods=["GET"])
    def portal_invoice_consumption_statement(self, invoice_id, access_token=None, **kw):
        return self._consumption_statement_response("account.move", invoice_id, access_token)

    @http.route("/my/orders/<int:order_id>/statement", type="http", auth="public", methods=["GET"])
    def portal_order_consumption_statement(self, order_id, access_token=None, **kw):
        return self._consumption_statement_response("sale.order", order_id, access_token)
