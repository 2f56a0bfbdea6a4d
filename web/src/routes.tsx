// Every page of the app: its path, who may open it, and its entry in the menu. The menu and
// the router read this one table; the browser tests visit every path in it.

import type { ComponentType } from "preact";
import { AccountView } from "./pages/Account";
import { Analytics } from "./pages/Analytics";
import { Approvals } from "./pages/Approvals";
import { CartPage, Carts } from "./pages/Carts";
import { Catalog, ProductPage } from "./pages/Catalog";
import { Dashboard } from "./pages/Dashboard";
import { ForecastPage, Forecasts } from "./pages/Forecast";
import { Invoices } from "./pages/Invoices";
import { OrderDetail } from "./pages/OrderDetail";
import { Orders } from "./pages/Orders";
import { Reorder } from "./pages/Reorder";
import { Settings } from "./pages/Settings";
import { Worklist } from "./pages/Worklist";
import type { PageProps } from "./router";
import type { Role } from "./types";

/** Who may open a page: a customer's user, the seller's staff, or both. */
export type Audience = "customer" | "staff" | "anyone";

export interface Route {
  path: string;
  page: ComponentType<PageProps>;
  who: Audience;
  /** The menu's label, for pages in the menu. */
  menu?: string;
  /** Only these roles of the audience (all of them when absent). */
  roles?: Role[];
}

export const ROUTES: Route[] = [
  { path: "/", page: Dashboard, who: "customer", menu: "Dashboard" },
  { path: "/orders", page: Orders, who: "anyone", menu: "Orders" },
  { path: "/orders/:id", page: OrderDetail, who: "anyone" },
  { path: "/invoices", page: Invoices, who: "anyone", menu: "Invoices" },
  { path: "/catalog", page: Catalog, who: "anyone", menu: "Catalog" },
  { path: "/catalog/:sku", page: ProductPage, who: "anyone" },
  { path: "/reorder", page: Reorder, who: "customer", menu: "Reorder" },
  { path: "/carts", page: Carts, who: "customer", menu: "Carts" },
  { path: "/carts/:id", page: CartPage, who: "customer" },
  { path: "/approvals", page: Approvals, who: "customer", menu: "Approvals" },
  { path: "/settings", page: Settings, who: "customer", menu: "Checkout rules", roles: ["ACCOUNT_ADMIN"] },
  { path: "/worklist", page: Worklist, who: "staff", menu: "Worklist" },
  { path: "/accounts/:id", page: AccountView, who: "staff" },
  { path: "/forecasts", page: Forecasts, who: "staff", menu: "Forecasts" },
  { path: "/forecasts/:sku", page: ForecastPage, who: "staff" },
  { path: "/analytics", page: Analytics, who: "staff", menu: "Accuracy" },
];
