import { type Connection, graphql, required, useLoad } from "../api";
import { number } from "../format";
import { href, type Location, navigate, type PageProps } from "../router";
import type { DocumentRef } from "../types";
import { Documents } from "../ui/documents";
import { Empty, Head, Page, Pager, Show } from "../ui/page";
import PRODUCT from "../operations/Product.graphql?raw";
import SEARCH from "../operations/Catalog.graphql?raw";

interface ProductSummary {
  sku: string;
  name: string;
  division: string;
  unit: string;
  packSize: string;
}


export function Catalog(props: { location: Location }) {
  const q = props.location.query;
  const current = { name: q.get("name"), sku: q.get("sku") };
  const loaded = useLoad(
    () =>
      graphql<{ products: Connection<ProductSummary> }>(SEARCH, {
        name: current.name || undefined,
        skuPrefix: current.sku || undefined,
        after: q.get("after") || undefined,
      }).then((r) => r.data.products),
    [q.toString()],
  );
  const search = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    navigate("/catalog", { name: form.get("name") as string, sku: form.get("sku") as string });
  };
  return (
    <Page title="Catalog">
      <form class="filters" role="search" onSubmit={search} aria-label="Search the catalog">
        <label>
          Name <input name="name" value={current.name ?? ""} autoComplete="off" />
        </label>
        <label>
          SKU starts with <input name="sku" value={current.sku ?? ""} autoComplete="off" />
        </label>
        <button type="submit">Search</button>
      </form>
      <Show loaded={loaded} what="products">
        {(products) =>
          products.nodes.length === 0 ? (
            <Empty>No products match.</Empty>
          ) : (
            <>
              <div class="table-wrap">
                <table data-loaded="catalog">
                  <Head columns={["SKU", "Name", "Division", { num: "Pack" }]} />
                  <tbody>
                    {products.nodes.map((p) => (
                      <tr key={p.sku}>
                        <th scope="row">
                          <a href={href(`/catalog/${p.sku}`)}>{p.sku}</a>
                        </th>
                        <td>{p.name}</td>
                        <td>{p.division}</td>
                        <td class="num">
                          {number(p.packSize)} {p.unit}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager location={props.location} query={current} pageInfo={products.pageInfo} />
            </>
          )
        }
      </Show>
    </Page>
  );
}


interface Product extends ProductSummary {
  description: string;
  attributes: Record<string, unknown>;
  certificates: Connection<DocumentRef>;
}

export function ProductPage(props: PageProps) {
  const sku = props.params.sku;
  const loaded = useLoad(() => graphql<{ product: Product | null }>(PRODUCT, { sku }).then((r) => required(r, "product")), [sku]);
  return (
    <Page title={`Product ${sku}`}>
      <Show loaded={loaded} what="the product">
        {(p) => (
          <div class="detail" data-loaded="product">
            <p class="lead">{p.name}</p>
            <p>{p.description}</p>
            <dl class="facts">
              <div>
                <dt>Division</dt>
                <dd>{p.division}</dd>
              </div>
              <div>
                <dt>Pack</dt>
                <dd>
                  {number(p.packSize)} {p.unit}
                </dd>
              </div>
              {Object.entries(p.attributes ?? {}).map(([k, v]) => (
                <div key={k}>
                  <dt>{k}</dt>
                  <dd>{String(v)}</dd>
                </div>
              ))}
            </dl>
            <h2>Certificates</h2>
            <Documents documents={p.certificates.nodes} empty="No certificates for this product." />
            <p>
              <a href={href("/orders", { sku: p.sku })}>Orders with this product</a>
            </p>
          </div>
        )}
      </Show>
    </Page>
  );
}
