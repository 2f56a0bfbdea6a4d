// The shapes of the API's answers that the pages read (schema.graphql has them all).

export type Role = "VIEWER" | "BUYER" | "APPROVER" | "ACCOUNT_ADMIN" | "ACCOUNT_MANAGER" | "ADMIN" | "INTEGRATION";

export interface Me {
  user: { id: string; name: string; email: string };
  role: Role;
  accountIds: string[];
}

export const isStaff = (role: Role) => role === "ACCOUNT_MANAGER" || role === "ADMIN";

export interface Totals {
  net: string;
  tax: string;
  gross: string;
}

export interface OrderSummary {
  id: string;
  accountId: string;
  poNumber: string;
  orderDate: string;
  status: string;
  currency: string;
  totals: Totals;
  lineCount: number;
}

export interface TrackingEvent {
  at: string;
  place: string;
  status: string;
  description: string;
}

export interface Shipment {
  id: string;
  orderId: string;
  carrier: string;
  trackingNumber: string;
  status: string;
  shippedOn: string;
  eta: string | null;
  deliveredAt: string | null;
  events: TrackingEvent[];
}

export interface DocumentRef {
  id: string;
  kind: string;
  title: string;
  fileName: string;
  issuedOn: string;
  sizeBytes: number;
  download: { url: string };
}

export interface Invoice {
  id: string;
  kind: string;
  orderId: string | null;
  issueDate: string;
  dueDate: string;
  currency: string;
  totals: Totals;
  status: string;
  paidOn: string | null;
  document: DocumentRef | null;
}

export interface Suggestion {
  accountId: string;
  sku: string;
  status: string;
  pReorder: number;
  ordersSeen: number;
  lastOrderDate: string;
  expectedNextDate: string;
  expectedQuantity: number;
  suggestedQuantity: number;
  reason: string;
}

export interface Balance {
  currency: string;
  openAmount: string;
  overdueAmount: string;
  openCount: number;
  overdueCount: number;
}
