import { HoldsTable } from "@/components/admin/holds-table";
import { requireAdminPage } from "@/lib/admin";
import { listReservations } from "@/lib/admin-queries";
import { releaseHoldAction } from "./actions";

export default async function HoldsPage() {
  await requireAdminPage("/admin/holds");
  const holds = await listReservations({ status: "active" });
  return (
    <>
      <h1>Holds</h1>
      <p className="muted">
        Stock held by open checkouts, soonest to expire first. Releasing a hold ends its checkout and frees the stock
        at once.
      </p>
      <HoldsTable initial={holds} release={releaseHoldAction} />
    </>
  );
}
