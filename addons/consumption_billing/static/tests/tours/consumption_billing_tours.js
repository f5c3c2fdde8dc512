import { registry } from "@web/core/registry";

// From a draft customer invoice: "Add consumption", check the preview, validate, see the lines.
registry.category("web_tour.tours").add("consumption_billing_invoice_wizard_tour", {
    steps: () => [
        {
            trigger: ".o_form_view button[name=action_add_consumption]",
            run: "click",
        },
        {
            content: "The preview lists the consumption of the month before the invoice date",
            trigger: ".modal .o_field_widget[name=line_ids] .o_data_row:contains('Tour SMS, ')",
        },
        {
            trigger: ".modal .o_field_widget[name=record_count]:contains('2')",
        },
        {
            trigger: ".modal button[name=action_apply]",
            run: "click",
        },
        {
            content: "The invoice has the consumption line",
            trigger: ".o_field_widget[name=invoice_line_ids] .o_data_row:contains('Tour SMS, ')",
        },
        {
            trigger: ".o_field_widget[name=invoice_line_ids] .o_data_row:contains('(2 records)')",
        },
    ],
});

// From a customer: Action > "Consumption invoicing", create the order, land on it.
registry.category("web_tour.tours").add("consumption_billing_partner_action_tour", {
    steps: () => [
        {
            trigger: ".o_form_view .o_cp_action_menus i.fa-cog",
            run: "click",
        },
        {
            trigger: ".dropdown-menu .o_menu_item:contains('Consumption invoicing')",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=partner_ids]:contains('Tour Customer')",
        },
        {
            trigger: ".modal button[name=action_create_orders]",
            run: "click",
        },
        {
            content: "The created order is opened, with the consumption line",
            trigger: ".o_form_view .o_field_widget[name=order_line] .o_data_row:contains('Tour SMS, ')",
        },
    ],
});
