import { useState } from "preact/hooks";
import { ApiError, type Connection, graphql, required, useLoad } from "../api";
import { dateTime, money, number, words } from "../format";
import { href, navigate, type PageProps } from "../router";
import { canBuy, useMe } from "../session";
import { Badge, Empty, Failure, Head, Page, Show } from "../ui/page";
import LIST from "../operations/Carts.graphql?raw";
import NEW_CART from "../operations/NewCart.graphql?raw";
import ONE from "../operations/Cart.graphql?raw";
import PLACE from "../operations/Place.graphql?raw";
import QUICK_ORDER from "../operations/QuickOrder.graphql?raw";
import REMOVE_LINE from "../operations/RemoveLine.graphql?raw";
import SET_LINE from "../operations/SetLine.graphql?raw";

interface CartLine {
  sku: string;
  name: string;
  quantity: string;
  unitPrice: string;
  lineTotal: string;
  reason: string | null;
}

interface Cart {
  id: string;
  name: string;
  shared: boolean;
  version: number;
  state: string;
  orders: string[];
  currency: string;
  total: string;
  updatedAt: string;
  lines: CartLine[];
  checkout: { poNumber: string | null; requestedDelivery: string | null; shipTo: string | null; note: string | null };
}

interface Refused {
  line: number;
  sku: string;
  quantity: string | number;
  error: { code: string; detail: string };
}


export function Carts() {
  const me = useMe();
  const loaded = useLoad(() => graphql<{ carts: Connection<Cart> }>(LIST).then((r) => r.data.carts.nodes), []);
  const [error, setError] = useState<ApiError | null>(null);
  const create = async (event: Event) => {
    event.preventDefault();
    const name = (new FormData(event.currentTarget as HTMLFormElement).get("name") as string) || "New cart";
    try {
      const reply = await graphql<{ createCart: { cart: Cart } }>(
        NEW_CART,
        { name },
      );
      navigate(`/carts/${reply.data.createCart.cart.id}`);
    } catch (e) {
      setError(e as ApiError);
    }
  };
  return (
    <Page title="Carts">
      {canBuy(me) && (
        <form class="filters" onSubmit={create} aria-label="New cart">
          <label>
            Name <input name="name" placeholder="New cart" autoComplete="off" />
          </label>
          <button type="submit">New cart</button>
        </form>
      )}
      {error && <Failure error={error} />}
      <Show loaded={loaded} what="carts">
        {(carts) =>
          carts.length === 0 ? (
            <Empty>No carts yet.</Empty>
          ) : (
            <div class="table-wrap">
              <table data-loaded="carts">
                <Head columns={["Cart", "State", { num: "Lines" }, { num: "Total" }, "Changed"]} />
                <tbody>
                  {carts.map((c) => (
                    <tr key={c.id}>
                      <th scope="row">
                        <a href={href(`/carts/${c.id}`)}>{c.name}</a>
                        {c.shared && <span class="muted"> (shared)</span>}
                      </th>
                      <td>
                        <Badge value={c.state} />
                      </td>
                      <td class="num">{c.lines.length}</td>
                      <td class="num">{money(c.total, c.currency)}</td>
                      <td>{dateTime(c.updatedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Show>
    </Page>
  );
}


function RefusedLines(props: { refused: Refused[] }) {
  if (props.refused.length === 0) return null;
  return (
    <div class="failure" role="alert">
      <h2>Not added</h2>
      <ul>
        {props.refused.map((r) => (
          <li key={`${r.line}-${r.sku}`}>
            {r.line > 0 ? `Line ${r.line}: ` : ""}
            {r.error.detail}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function CartPage(props: PageProps) {
  const id = props.params.id;
  const me = useMe();
  const [cart, setCart] = useState<Cart | null>(null);
  const [refused, setRefused] = useState<Refused[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  // One key per checkout of this cart version: a retry after a lost answer places nothing twice.
  const [placeKey] = useState(() => crypto.randomUUID());
  const [placed, setPlaced] = useState<{ id: string; status: string }[] | null>(null);
  const loaded = useLoad(
    () =>
      graphql<{ cart: Cart | null }>(ONE, { id }).then((r) => {
        const found = required(r, "cart");
        setCart(found);
        return found;
      }),
    [id],
  );

  /** Runs a cart mutation and takes the cart (and what it refused) from its answer. */
  const change = async (mutation: string, variables: object, field: string) => {
    setError(null);
    try {
      const reply = await graphql<Record<string, { cart: Cart; refused: Refused[] }>>(mutation, variables);
      const payload = required(reply, field);
      setCart(payload.cart);
      setRefused(payload.refused ?? []);
      return true;
    } catch (e) {
      setError(e as ApiError);
      return false;
    }
  };

  const quickOrder = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const csv = (new FormData(form).get("csv") as string).trim();
    if (!csv || !cart) return;
    const ok = await change(
      QUICK_ORDER,
      { id, version: cart.version, csv },
      "addCartLines",
    );
    if (ok) form.reset();
  };

  const setQuantity = (sku: string, quantity: string) =>
    cart &&
    change(
      SET_LINE,
      { id, sku, version: cart.version, quantity },
      "setCartLine",
    );

  const remove = (sku: string) =>
    cart &&
    change(
      REMOVE_LINE,
      { id, sku, version: cart.version },
      "removeCartLine",
    );

  const place = async (event: Event) => {
    event.preventDefault();
    if (!cart) return;
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const details = {
      poNumber: (form.get("po") as string) || undefined,
      requestedDelivery: (form.get("delivery") as string) || undefined,
      note: (form.get("note") as string) || undefined,
    };
    setError(null);
    try {
      const reply = await graphql<{ placeOrder: { orders: { id: string; status: string }[] } }>(
        PLACE,
        { id, version: cart.version, key: `${placeKey}-${cart.version}`, details },
      );
      setPlaced(required(reply, "placeOrder").orders);
      setRefused([]);
      // The cart is ordered now: show it as it is.
      setCart(required(await graphql<{ cart: Cart | null }>(ONE, { id }), "cart"));
    } catch (e) {
      setError(e as ApiError);
    }
  };

  const writable = canBuy(me) && cart?.state === "OPEN";
  return (
    <Page title={cart ? `Cart: ${cart.name}` : "Cart"}>
      <Show loaded={loaded} what="the cart">
        {() =>
          cart && (
            <div class="detail" data-loaded="cart">
              {placed && (
                <div class="card" role="status">
                  <h2>Order placed</h2>
                  <ul class="list">
                    {placed.map((o) => (
                      <li key={o.id}>
                        <a href={href(`/orders/${o.id}`)}>{o.id}</a> <Badge value={o.status} />
                        {o.status === "PENDING_APPROVAL" && <span class="muted"> waits for an approver</span>}
                      </li>
                    ))}
                  </ul>
                </div>
              )}
              {error && <Failure error={error} />}
              <RefusedLines refused={refused} />
              {cart.lines.length === 0 ? (
                <Empty>The cart is empty.</Empty>
              ) : (
                <div class="table-wrap">
                  <table>
                    <Head columns={["Product", { num: "Quantity" }, { num: "Price" }, { num: "Total" }, ...(writable ? ["Change"] : [])]} />
                    <tbody>
                      {cart.lines.map((l) => (
                        <tr key={l.sku}>
                          <th scope="row">
                            <a href={href(`/catalog/${l.sku}`)}>{l.sku}</a> {l.name}
                            {l.reason && <div class="muted">{l.reason}</div>}
                          </th>
                          <td class="num">
                            {writable ? (
                              <input
                                class="quantity"
                                inputMode="decimal"
                                aria-label={`Quantity of ${l.sku}`}
                                value={number(l.quantity)}
                                onChange={(e) => setQuantity(l.sku, (e.currentTarget as HTMLInputElement).value)}
                              />
                            ) : (
                              number(l.quantity)
                            )}
                          </td>
                          <td class="num">{money(l.unitPrice, cart.currency)}</td>
                          <td class="num">{money(l.lineTotal, cart.currency)}</td>
                          {writable && (
                            <td>
                              <button type="button" class="link" onClick={() => remove(l.sku)}>
                                Remove<span class="visually-hidden"> {l.sku}</span>
                              </button>
                            </td>
                          )}
                        </tr>
                      ))}
                    </tbody>
                    <tfoot>
                      <tr>
                        <th scope="row" colSpan={3}>
                          Total ({words(cart.state)} cart, version {cart.version})
                        </th>
                        <td class="num">
                          <strong>{money(cart.total, cart.currency)}</strong>
                        </td>
                        {writable && <td />}
                      </tr>
                    </tfoot>
                  </table>
                </div>
              )}
              {writable && (
                <div class="columns">
                  <form onSubmit={quickOrder} class="card" aria-labelledby="quick-order">
                    <h2 id="quick-order">Quick order</h2>
                    <label for="csv">One product per line: SKU and quantity, separated by a comma, a semicolon or a tab.</label>
                    <textarea id="csv" name="csv" rows={5} placeholder={"BRG-BB10008, 20\nSEA-OR10056; 100"} />
                    <button type="submit">Add to cart</button>
                  </form>
                  {cart.lines.length > 0 && !placed && (
                    <form onSubmit={place} class="card" aria-labelledby="checkout">
                      <h2 id="checkout">Checkout</h2>
                      <label>
                        PO number <input name="po" value={cart.checkout.poNumber ?? ""} autoComplete="off" />
                      </label>
                      <label>
                        Requested delivery <input type="date" name="delivery" value={cart.checkout.requestedDelivery ?? ""} />
                      </label>
                      <label>
                        Note <input name="note" value={cart.checkout.note ?? ""} autoComplete="off" />
                      </label>
                      <button type="submit">Place order</button>
                    </form>
                  )}
                </div>
              )}
              {cart.orders.length > 0 && (
                <p>
                  Placed as{" "}
                  {cart.orders.map((o) => (
                    <a key={o} href={href(`/orders/${o}`)}>
                      {o}{" "}
                    </a>
                  ))}
                </p>
              )}
            </div>
          )
        }
      </Show>
    </Page>
  );
}
