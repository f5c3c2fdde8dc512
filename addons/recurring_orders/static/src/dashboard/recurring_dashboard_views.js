import { registry } from "@web/core/registry";
import { kanbanView } from "@web/views/kanban/kanban_view";
import { KanbanRenderer } from "@web/views/kanban/kanban_renderer";
import { listView } from "@web/views/list/list_view";
import { ListRenderer } from "@web/views/list/list_renderer";
import { RecurringDashboardTiles } from "./recurring_dashboard_tiles";

export class RecurringDashboardListRenderer extends ListRenderer {
    static template = "recurring_orders.DashboardListRenderer";
    static components = { ...ListRenderer.components, RecurringDashboardTiles };
}

export class RecurringDashboardKanbanRenderer extends KanbanRenderer {
    static template = "recurring_orders.DashboardKanbanRenderer";
    static components = { ...KanbanRenderer.components, RecurringDashboardTiles };
}

registry.category("views").add("recurring_dashboard_list", {
    ...listView,
    Renderer: RecurringDashboardListRenderer,
});

registry.category("views").add("recurring_dashboard_kanban", {
    ...kanbanView,
    Renderer: RecurringDashboardKanbanRenderer,
});
