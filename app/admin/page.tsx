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
    </>
  );
}
