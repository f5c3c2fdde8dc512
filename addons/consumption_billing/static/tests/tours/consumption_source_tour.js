import { registry } from "@web/core/registry";

// Create an HTTP source (its URL comes from a default), preview it, fetch it, read the run log, find the
// records it created.
registry.category("web_tour.tours").add("consumption_billing_source_tour", {
    steps: () => [
        {
            trigger: ".o_form_view .o_field_widget[name=name] input",
            run: "edit Tour meter feed",
        },
        {
            content: "The URL of the feed is filled in",
            trigger: ".o_field_widget[name=url] input:value(127.0.0.1)",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
        {
            trigger: ".o_form_view button[name=action_preview]",
            run: "click",
        },
        {
            content: "The preview shows the mapped rows, nothing written",
            trigger: ".modal .o_field_widget[name=summary]:contains('2 rows shown, all valid')",
        },
        {
            trigger: ".modal .o_field_widget[name=rows_html] td:contains('TOUR-FEED-2')",
        },
        {
            trigger: ".modal button:contains('Close')",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            trigger: ".o_form_view button[name=action_run]",
            run: "click",
        },
        {
            trigger: ".o_notebook .nav-link:contains('Run log')",
            run: "click",
        },
        {
            content: "The run log has the run: done, 2 rows created",
            trigger: ".o_field_widget[name=run_ids] .o_data_row:contains('Done') td[name=rows_created]:contains('2')",
        },
        {
            trigger: ".o_main_navbar .o_menu_sections button:contains('Consumption')",
            run: "click",
        },
        {
            trigger: ".dropdown-item:contains('Consumption Records')",
            run: "click",
        },
        {
            content: "The fetched consumption is in the list",
            trigger: ".o_list_view .o_data_row td[name=description]:contains('Tour feed call 2')",
        },
    ],
});
