import { OrdersTable } from "@/components/admin/orders-table";
import { requireAdminPage } from "@/lib/admin";
import { listAllOrders } from "@/lib/orders";
import { fulfilOrderAction } from "./actions";

export default async function OrdersPage() {
  await requireAdminPage("/admin/orders");
  const orders = await listAllOrders();
  return (
    <>
      <h1>Orders</h1>
      <p className="muted">Fulfilling an order ships it: its allocated units leave the shelf.</p>
      <OrdersTable initial={orders} fulfil={fulfilOrderAction} />
    </>
  );
}
