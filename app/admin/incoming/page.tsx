import Link from "next/link";
import { z } from "zod";
import { ProductFinder, listHref } from "@/components/admin/list-search";
import { LocationActionButton } from "@/components/admin/location-action-button";
import { ReceiveForm, RecordDeliveryForm } from "@/components/admin/incoming/delivery-forms";
import { Badge } from "@/components/ui/badge";
import { requireAdminPage } from "@/lib/admin/access";
import { getIncomingProduct, listIncomingProducts, type IncomingProduct } from "@/lib/admin/incoming";
import { listProductChoices, type ProductChoice } from "@/lib/admin/products";
import { shipDayInWords } from "@/lib/catalog/ship-date";
import { lineName } from "@/lib/catalog/line-name";
import { listLocations } from "@/lib/inventory";
import { DomainError } from "@/lib/platform/errors";
import { firstParam } from "@/lib/platform/search-params";
import { pageSearchTerm } from "@/lib/store-schemas";
import { cancelDeliveryAction, receiveDeliveryAction, recordDeliveryAction, setPreorderAction } from "./actions";

const productIdSchema = z.uuid();
/** Products a search lists to pick from. */
const CHOICES = 20;

type SearchParams = Record<string, string | string[] | undefined>;

/** "14 March 2027" in the admin's lists, where the year matters (a delivery may be months away). */
const dayWithYear = (day: string) => `${shipDayInWords(day)} ${day.slice(0, 4)}`;

async function findProduct(id: string | undefined): Promise<IncomingProduct | null> {
  const parsed = productIdSchema.safeParse(id);
  if (!parsed.success) return null;
  try {
    return await getIncomingProduct(parsed.data);
  } catch (error) {
    if (error instanceof DomainError && error.code === "not_found") return null;
    throw error;
  }
}

/**
 * Stock on its way: the products with deliveries open or variants taking pre-orders; for one product, each
 * variant's open deliveries with the pre-orders waiting for each, a form to record a delivery, one to receive
 * units, a Cancel per delivery, and whether the variant takes pre-orders.
 */
export default async function IncomingPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const raw = firstParam(params.productId);
  const q = pageSearchTerm(params.q);
  await requireAdminPage(listHref("/admin/incoming", { productId: raw, q }));

  const [overview, product, choices, allLocations] = await Promise.all([
    listIncomingProducts(),
    findProduct(raw),
    q ? listProductChoices({ q, limit: CHOICES }) : Promise.resolve([] as ProductChoice[]),
    listLocations(),
  ]);
  // Deliveries arrive at active locations only; receiving may still happen anywhere a delivery is open.
  const activeLocations = allLocations.filter((l) => l.active).map((l) => ({ id: l.id, name: l.name }));
  const everyLocation = allLocations.map((l) => ({ id: l.id, name: l.name }));

  return (
    <>
      <h1>Incoming</h1>
      <p className="muted">
        Units on their way, per variant and location, with the day each delivery is expected. A variant that takes
        pre-orders keeps selling once its shelves are empty, against these units; each pre-order waits for a delivery,
        and ships once it is received.
      </p>

      <section aria-labelledby="on-their-way-title">
        <h2 id="on-their-way-title">On their way and taking pre-orders</h2>
        {overview.length === 0 ? (
          <p className="muted">Nothing is on its way and no variant takes pre-orders. Find a product below to record a delivery.</p>
        ) : (
          <div className="admin-scroll">
            <table className="table admin-table incoming-table">
              <thead>
                <tr>
                  <th scope="col">Product</th>
                  <th scope="col" className="num">
                    Units expected
                  </th>
                  <th scope="col">Next expected</th>
                  <th scope="col" className="num">
                    Variants taking pre-orders
                  </th>
                </tr>
              </thead>
              <tbody>
                {overview.map((row) => (
                  <tr key={row.id} aria-current={row.id === product?.id ? "true" : undefined}>
                    <th scope="row">
                      <Link href={listHref("/admin/incoming", { productId: row.id })}>{row.name}</Link>
                    </th>
                    <td className="num" data-label="Units expected">
                      {row.expected}
                    </td>
                    <td data-label="Next expected">{row.nextExpectedAt ? dayWithYear(row.nextExpectedAt) : "–"}</td>
                    <td className="num" data-label="Variants taking pre-orders">
                      {row.preorderVariants}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <ProductFinder path="/admin/incoming" q={q} choices={choices} />
      {raw && !product ? (
        <p role="alert" className="field-error">
          There is no such product: choose one from the list or find it by name.
        </p>
      ) : null}

      {product ? (
        <section aria-labelledby="incoming-product-title" className="stack">
          <h2 id="incoming-product-title">{product.name}</h2>
          {product.kit ? (
            <p className="muted">
              A kit has no stock of its own: record deliveries of its components on their products. It sells as a
              pre-order when its components do.
            </p>
          ) : (
            <>
              <RecordDeliveryForm
                action={recordDeliveryAction}
                productId={product.id}
                variants={product.variants.filter((v) => !v.retired).map((v) => ({ id: v.id, label: `${v.sku} (${lineName(product.name, v.options)})` }))}
                locations={activeLocations}
              />
              <ul className="incoming-list" aria-label={`Variants of ${product.name}`}>
                {product.variants.map((v) => {
                  const label = lineName(product.name, v.options);
                  const expected = v.deliveries.reduce((n, d) => n + d.quantity, 0);
                  const onHand = v.locations.reduce((n, l) => n + l.onHand, 0);
                  return (
                    <li key={v.id} className="card incoming-variant" aria-label={`${v.sku} ${label}`}>
                      <div className="incoming-variant-head">
                        <h3>
                          {v.sku} <span className="muted small">{label}</span>
                        </h3>
                        <div className="row">
                          {v.retired ? <Badge tone="neutral">Retired</Badge> : null}
                          {v.preorder ? <Badge tone="info">Takes pre-orders</Badge> : <Badge tone="neutral">No pre-orders</Badge>}
                          <LocationActionButton
                            action={setPreorderAction}
                            fields={{ productId: product.id, variantId: v.id, preorder: v.preorder ? "false" : "true" }}
                            label={v.preorder ? "Stop pre-orders" : "Take pre-orders"}
                          />
                        </div>
                      </div>
                      <p className="small muted">
                        {onHand} on hand · {expected} on the way
                        {v.preorder ? " · sells against units on the way once the shelves are empty" : ""}
                      </p>
                      {v.deliveries.length === 0 ? (
                        <p className="small muted">No delivery is open.</p>
                      ) : (
                        <div className="admin-scroll">
                          <table className="table admin-table incoming-table">
                            <caption className="visually-hidden">Open deliveries of {v.sku}</caption>
                            <thead>
                              <tr>
                                <th scope="col">Expected</th>
                                <th scope="col">At</th>
                                <th scope="col" className="num">
                                  Still expected
                                </th>
                                <th scope="col" className="num">
                                  Pre-orders waiting
                                </th>
                                <th scope="col">
                                  <span className="visually-hidden">Cancel</span>
                                </th>
                              </tr>
                            </thead>
                            <tbody>
                              {v.deliveries.map((d) => (
                                <tr key={d.id}>
                                  <th scope="row">{dayWithYear(d.expectedAt)}</th>
                                  <td data-label="At">{allLocations.find((l) => l.id === d.locationId)?.name ?? "–"}</td>
                                  <td className="num" data-label="Still expected">
                                    {d.quantity}
                                    {d.received > 0 ? <span className="muted small"> ({d.received} received)</span> : null}
                                  </td>
                                  <td className="num" data-label="Pre-orders waiting">
                                    {d.preordered}
                                  </td>
                                  <td className="incoming-cancel">
                                    <LocationActionButton
                                      action={cancelDeliveryAction}
                                      fields={{ productId: product.id, deliveryId: d.id }}
                                      label="Cancel delivery"
                                      confirm={{
                                        question: `Cancel the ${d.quantity} expected ${dayWithYear(d.expectedAt)}?`,
                                        yes: "Yes, cancel it",
                                      }}
                                    />
                                  </td>
                                </tr>
                              ))}
                            </tbody>
                          </table>
                        </div>
                      )}
                      {/* Mounted once the last delivery is in too, so its answer stays in view. */}
                      <ReceiveForm
                        action={receiveDeliveryAction}
                        productId={product.id}
                        variantId={v.id}
                        label={label}
                        open={expected > 0}
                        locations={everyLocation.filter((l) => v.deliveries.some((d) => d.locationId === l.id))}
                      />
                    </li>
                  );
                })}
              </ul>
            </>
          )}
        </section>
      ) : null}
    </>
  );
}
