import { Component, onWillStart, onWillUpdateProps, useState } from "@odoo/owl";
import { useService } from "@web/core/utils/hooks";

/**
 * Tiles above the dashboard's list and kanban views: the number of recurring orders and of orders with each
 * problem for the current search, each tile toggling its problem's filter, and the Excel export of the
 * current search. The counts come from one SQL query (``get_problem_counts``), reloaded with the records.
 */
export class RecurringDashboardTiles extends Component {
    static template = "recurring_orders.DashboardTiles";
    static props = { list: Object };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ counts: null });
        // Never awaited: the records show at once, the counts follow (they read every row).
        onWillStart(() => {
            this.loadCounts(this.props.list);
        });
        onWillUpdateProps((nextProps) => {
            if (nextProps.list !== this.props.list) {
                this.loadCounts(nextProps.list);
            }
        });
    }

    async loadCounts(list) {
        const counts = await this.orm.call("recurring.dashboard", "get_problem_counts", [list.domain]);
        if (list === this.props.list) {
            this.state.counts = counts;
        }
    }

    get problemFilterNames() {
        return ["filter_problems", ...(this.state.counts?.problems || []).map((problem) => problem.filter)];
    }

    isActive(filterName) {
        return this.env.searchModel
            .getSearchItems((item) => item.name === filterName)
            .some((item) => item.isActive);
    }

    toggleFilter(filterName) {
        const [item] = this.env.searchModel.getSearchItems((searchItem) => searchItem.name === filterName);
        if (item) {
            this.env.searchModel.toggleSearchItem(item.id);
        }
    }

    showAll() {
        const names = this.problemFilterNames;
        for (const item of this.env.searchModel.getSearchItems(
            (searchItem) => names.includes(searchItem.name) && searchItem.isActive
        )) {
            this.env.searchModel.toggleSearchItem(item.id);
        }
    }

    async exportXlsx() {
        const action = await this.orm.call("recurring.dashboard", "action_export_xlsx", [this.props.list.domain]);
        await this.action.doAction(action);
    }
}
