import { registry } from "@web/core/registry";

// The Python test opens a confirmed order whose first generation date is the first day of this month.
registry.category("web_tour.tours").add("recurring_orders_tour", {
    steps: () => [
        {
            content: "Open the Recurring Invoicing tab",
            trigger: ".o_notebook a[name='recurring_invoicing']",
            run: "click",
        },
        {
            content: "Enable recurring invoicing",
            trigger: "div[name='recurrence_enabled'] input[type='checkbox']",
            run: "click",
        },
        {
            content: "Type a subject template",
            trigger: "div[name='recurrence_subject'] input",
            run: "edit Tour subscription {MMM}",
        },
        {
            content: "Open the invoice date choices",
            trigger: "div[name='recurrence_date_preference'] .o_select_menu_toggler",
            run: "click",
        },
        {
            content: "Choose the start of the period as invoice date",
            trigger: ".o_select_menu_item:contains('Start of the period')",
            run: "click",
        },
        {
            content: "The preview shows the next twelve generations before saving, the first one due",
            trigger:
                "div[name='recurrence_preview'] table tbody tr:nth-child(12) td:contains('Tour subscription')",
        },
        {
            trigger: "div[name='recurrence_preview'] tbody tr:first-child .badge",
        },
        {
            content: "Save the order",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
        {
            content: "Generate the due invoice",
            trigger: "button[name='action_generate_due_invoices']",
            run: "click",
        },
        {
            content: "The notification confirms it",
            trigger: ".o_notification:contains('1 invoice(s) generated')",
        },
        {
            content: "The invoice is under the Invoices smart button",
            trigger: "button[name='action_view_invoice'] .o_stat_value:contains('1')",
        },
    ],
});
