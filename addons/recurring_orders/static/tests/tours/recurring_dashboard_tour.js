import { registry } from "@web/core/registry";

// The Python test opens the dashboard with an order named DASH-TOUR-1 whose three last months are due.
registry.category("web_tour.tours").add("recurring_dashboard_tour", {
    steps: () => [
        {
            content: "The tiles count the orders with missing invoices",
            trigger: ".o_recurring_tile_missing",
        },
        {
            content: "Filter on the missing invoices",
            trigger: ".o_recurring_tile_missing",
            run: "click",
        },
        {
            content: "The filter is in the search bar",
            trigger: ".o_searchview .o_facet_value:contains('Missing Invoice')",
        },
        {
            content: "The order shows with its three missing invoices",
            trigger: ".o_data_row:contains('DASH-TOUR-1') td[name='missing_count']:contains('3')",
        },
        {
            content: "Generate the missing invoices now",
            trigger: ".o_data_row:contains('DASH-TOUR-1') button.o_recurring_generate_missing",
            run: "click",
        },
        {
            content: "The generation reports what it did",
            trigger: ".o_notification:contains('3 invoice(s) generated')",
        },
        {
            content: "The order is no longer missing anything: it leaves the filtered list",
            trigger: ".o_list_renderer:not(:has(.o_data_row:contains('DASH-TOUR-1')))",
        },
    ],
});
