import { HoldOutcomesChart } from "@/components/admin/hold-outcomes-chart";
import { StockDashboard } from "@/components/admin/stock-dashboard";
import { requireAdminPage } from "@/lib/admin";
import { stockOverview } from "@/lib/admin-queries";

export default async function StockPage() {
  await requireAdminPage("/admin");
  const overview = await stockOverview();
  return (
    <>
      <h1>Stock</h1>
      <StockDashboard initial={overview} />
      <h2>Checkout starts, last hour</h2>
      <HoldOutcomesChart />
    </>
  );
}
