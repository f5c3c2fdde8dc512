import { registry } from "@web/core/registry";

// Enter a consumption with an own rate in the form, then find it in the list with its amount.
registry.category("web_tour.tours").add("consumption_billing_record_tour", {
    steps: () => [
        {
            trigger: ".o_form_view .o_field_widget[name=partner_id] input",
            run: "edit Tour Customer",
        },
        {
            trigger: ".ui-menu-item > a:contains('Tour Customer')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=product_id] input",
            run: "edit TOUR-SMS",
        },
        {
            trigger: ".ui-menu-item > a:contains('Tour SMS')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=quantity] input",
            run: "edit 250",
        },
        {
            trigger: ".o_field_widget[name=has_rate] input",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=rate] input",
            run: "edit 0.05",
        },
        {
            trigger: ".o_field_widget[name=description] input",
            run: "edit Tour text messages",
        },
        {
            content: "The preview shows the amount at the own rate",
            trigger: ".o_field_widget[name=amount_preview]:contains('12.50')",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
        {
            trigger: ".o_breadcrumb a:contains('Consumption')",
            run: "click",
        },
        {
            content: "The new consumption is in the list, with its amount",
            trigger: ".o_list_view .o_data_row:has(td[name=description]:contains('Tour text messages')) td[name=amount_preview]:contains('12.50')",
        },
        {
            trigger: ".o_switch_view.o_pivot",
            run: "click",
        },
        {
            content: "The pivot shows quantity and amount per product and month",
            trigger: ".o_pivot .o_pivot_measure_row:contains('Amount')",
        },
        {
            trigger: ".o_pivot th.o_pivot_header_cell_closed:contains('Tour SMS')",
        },
        {
            trigger: ".o_switch_view.o_graph",
            run: "click",
        },
        {
            trigger: ".o_graph_renderer canvas",
        },
    ],
});
