// The signed-in user, for the pages that show or hide what the user's role may do (the API
// decides either way).

import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Me } from "./types";

export const MeContext = createContext<Me | null>(null);

export function useMe(): Me {
  const me = useContext(MeContext);
  if (!me) throw new Error("useMe outside the signed-in app");
  return me;
}

/** Whether the user may change carts and place orders (not a viewer). */
export const canBuy = (me: Me) => me.role !== "VIEWER";
/** Whether the user decides on orders waiting for approval. */
export const canApprove = (me: Me) => me.role === "APPROVER" || me.role === "ACCOUNT_ADMIN";
