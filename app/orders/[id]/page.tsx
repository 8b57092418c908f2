import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { Alert } from "@/components/ui/alert";
import { ButtonLink } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Price } from "@/components/ui/price";
import { LocalTime } from "@/components/ui/local-time";
import { DomainError } from "@/lib/platform/errors";
import { currentShopper } from "@/lib/accounts/identity";
import { isOrderAccessKey } from "@/lib/orders";
import { getOrderForShopper, getOrderWithAccess, type OrderView } from "@/lib/orders";
import { countryName } from "@/lib/checkout/countries";
import { lineName } from "@/lib/catalog/variants";
import { ShipsAround } from "@/components/shop/ships-around";
import { kitContentsOf, kitContentsText } from "@/lib/catalog/kits";
import { KitLineContents } from "@/components/shop/kit-line-contents";
import { OrderStatusText } from "../status";

export const metadata: Metadata = { title: "Your order" };

async function findOrder(id: string, key: string | undefined): Promise<{ order: Omit<OrderView, "shopper">; guest: boolean }> {
  const shopper = await currentShopper();
  // The link from the confirmation email (or a guest lookup) opens the order in any browser.
  if (isOrderAccessKey(id, key)) return { order: await getOrderWithAccess(id), guest: shopper?.kind !== "shopper" };
  // Someone else's order, or no identity at all: it does not exist for this visitor.
  if (!shopper) notFound();
  try {
    return { order: await getOrderForShopper(id, shopper.id), guest: shopper.kind === "guest" };
  } catch (error) {
    if (error instanceof DomainError && error.code === "not_found") notFound();
    throw error;
  }
}

/** Order confirmation: what was bought, for how much, and where the receipt goes. */
export default async function OrderPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ key?: string | string[] }>;
}) {
  await connection();
  const { id } = await params;
  const { key } = await searchParams;
  const { order, guest } = await findOrder(id, typeof key === "string" ? key : undefined);
  const kits = await kitContentsOf(order.lines.map((line) => line.variantId));
  const delivery = [order.delivery.name, order.delivery.address, [order.delivery.postcode, order.delivery.city].filter(Boolean).join(" "), countryName(order.delivery.country)]
    .filter((line) => line && line.trim())
    .join("\n");
  return (
    <div className="stack" style={{ maxWidth: "44rem" }}>
      <Alert tone="success" title="Thank you, your order is confirmed">
        <p>
          Order <strong>#{order.id.slice(0, 8)}</strong> is paid
          {order.email ? (
            <>
              {" "}
              and a receipt goes to <strong>{order.email}</strong>
            </>
          ) : null}
          .
        </p>
      </Alert>
      <Card>
        <div className="row row-between">
          <h1 style={{ margin: 0 }}>Order #{order.id.slice(0, 8)}</h1>
          <OrderStatusText status={order.status} />
        </div>
        <p className="muted small">
          Placed <LocalTime iso={order.createdAt} />
          {order.fulfilledAt ? (
            <>
              {" "}
              · shipped <LocalTime iso={order.fulfilledAt} />
            </>
          ) : null}
        </p>
        <table className="table" style={{ marginTop: "1rem" }}>
          <thead>
            <tr>
              <th scope="col">Item</th>
              <th scope="col" className="num">
                Quantity
              </th>
              <th scope="col" className="num">
                Price
              </th>
            </tr>
          </thead>
          <tbody>
            {order.lines.map((line) => (
              <tr key={line.variantId}>
                <td>
                  {/* The variant as sold: "Trail Shirt — M". */}
                  <Link href={`/products/${line.slug}`}>{lineName(line.name, line.options)}</Link>{" "}
                  <ShipsAround day={line.expectedAt} />
                  <KitLineContents text={kits.has(line.variantId) ? kitContentsText(kits.get(line.variantId)!) : undefined} />
                </td>
                <td className="num">{line.quantity}</td>
                <td className="num">
                  <Price cents={line.quantity * line.unitPriceCents} />
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={2}>
                Total
              </th>
              <td className="num">
                <Price cents={order.totalCents} />
              </td>
            </tr>
          </tfoot>
        </table>
        {delivery ? (
          <>
            <h2 className="small">Delivery to</h2>
            <address className="delivery-address">{delivery}</address>
          </>
        ) : null}
      </Card>
      <div className="row">
        <ButtonLink href="/">Continue shopping</ButtonLink>
        {guest ? (
          <p className="muted small" style={{ margin: 0 }}>
            This order stays visible in this browser, and from the link in your confirmation email.{" "}
            <Link href="/signup">Create an account</Link> with the same email to keep an order history.
          </p>
        ) : (
          <ButtonLink href="/orders" variant="secondary">
            All your orders
          </ButtonLink>
        )}
      </div>
    </div>
  );
}
