import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { leaveLineAction } from "@/app/cart/actions";
import { LineTicket } from "@/components/shop/line-ticket";
import { getTicket, type TicketView } from "@/lib/checkout";
import { currentShopper } from "@/lib/accounts/identity";
import { DomainError } from "@/lib/platform/errors";

export const metadata: Metadata = { title: "Waiting in line" };

async function findTicket(id: string): Promise<TicketView> {
  const shopper = await currentShopper();
  // No identity, or someone else's ticket: it does not exist for this visitor.
  if (!shopper) notFound();
  try {
    return await getTicket(shopper.id, id);
  } catch (error) {
    if (error instanceof DomainError && error.code === "not_found") notFound();
    throw error;
  }
}

/** A shopper's ticket in the line for contended stock: their place, the estimate, and the way on when it is their turn. */
export default async function LinePage({ params }: { params: Promise<{ id: string }> }) {
  await connection();
  const { id } = await params;
  const ticket = await findTicket(id);
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/cart">Cart</Link> / <span aria-current="page">In line</span>
      </nav>
      <div className="line-page">
        <LineTicket initial={ticket} leaveAction={leaveLineAction} />
      </div>
    </>
  );
}
