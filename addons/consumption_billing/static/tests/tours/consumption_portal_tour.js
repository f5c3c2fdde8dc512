import { registry } from "@web/core/registry";

const XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/** Download the file a link points to, as the browser would, and check it is a workbook. */
async function downloadWorkbook(selector) {
    const link = document.querySelector(selector);
    const response = await fetch(link.href);
    const type = response.headers.get("Content-Type");
    if (!response.ok || type !== XLSX_MIMETYPE) {
        throw new Error(`${link.href} answered ${response.status} ${type} instead of a workbook`);
    }
    if (!(await response.blob()).size) {
        throw new Error(`${link.href} answered an empty file`);
    }
}

// A portal user opens My Consumption from the portal home, filters March 2026, downloads the list, opens
// the invoice of a record and downloads its consumption statement.
registry.category("web_tour.tours").add("consumption_billing_portal_tour", {
    url: "/my",
    steps: () => [
        {
            trigger: ".o_portal_index_card:not(.d-none) a[href='/my/consumption']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            trigger: "#portal_consumption_month",
            run: "click",
        },
        {
            trigger: "a.o_consumption_month[data-month='2026-03']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            trigger: "#portal_consumption_month:contains('March 2026')",
        },
        {
            trigger: ".o_consumption_record:contains('Portal tour March calls')",
        },
        {
            trigger: "body:not(:has(.o_consumption_record:contains('Portal tour April calls')))",
        },
        {
            trigger: "#portal_consumption_export[href*='month=2026-03']",
            run: () => downloadWorkbook("#portal_consumption_export"),
        },
        {
            trigger: ".o_consumption_record a.o_consumption_invoice",
            run: "click",
            expectUnloadPage: true,
        },
        {
            trigger: "#portal_invoice_consumption_statement[href*='/statement']",
            run: () => downloadWorkbook("#portal_invoice_consumption_statement"),
        },
    ],
});
