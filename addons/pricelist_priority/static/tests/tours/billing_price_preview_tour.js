import { registry } from "@web/core/registry";

// Data comes from tests/test_pricelist_priority_tour.py: the customer's price list bills the product
// at 0 through a rule, while its catalog price is 12.
registry.category("web_tour.tours").add("pricelist_priority_billing_price_preview", {
    steps: () => [
        {
            content: "Open the billing price preview from the customer's smart button",
            trigger: ".o_form_view .o_billing_price_preview_button",
            run: "click",
        },
        {
            content: "The preview is for this customer",
            trigger: ".modal .o_field_widget[name=partner_id] input:value(Tour Billing Customer)",
        },
        {
            content: "Choose the product",
            trigger: ".modal .o_field_widget[name=product_id] input",
            run: "edit Tour Metered Item",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains(Tour Metered Item)",
            run: "click",
        },
        {
            content: "A rule of the price list applies, even at 0: the source is the price list",
            trigger: ".modal .o_field_widget[name=price_source]:contains(Price list)",
        },
        {
            trigger: ".modal .o_field_widget[name=price]:contains(0.00)",
        },
        {
            trigger: ".modal .o_field_widget[name=rule_id]:contains(Tour Metered Item)",
        },
        {
            content: "An item with its own rate",
            trigger: ".modal .o_field_widget[name=use_explicit_price] input",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=explicit_price] input",
            run: "edit 2.5 && press Tab",
        },
        {
            content: "The explicit rate wins",
            trigger: ".modal .o_field_widget[name=price_source]:contains(Explicit rate)",
        },
        {
            trigger: ".modal .o_field_widget[name=price]:contains(2.50)",
        },
        {
            content: "Close the preview",
            trigger: ".modal .modal-footer button:contains(Close)",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
    ],
});
