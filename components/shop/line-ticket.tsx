"use client";

import { queryOptions, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useActionState, useEffect } from "react";
import type { FormState } from "@/lib/platform/action-state";
import type { TicketView } from "@/lib/checkout";
import { Alert } from "../ui/alert";
import { ButtonLink } from "../ui/button";
import { Card } from "../ui/card";
import { FormMessage } from "../ui/form-message";
import { SubmitButton } from "../ui/submit-button";
import { lineName } from "./variant-choice";
import { waitInWords } from "./line-wait";
import "./line.css";

type Action = (previous: FormState | null, formData: FormData) => Promise<FormState>;

/**
 * Asked every second while waiting (twice a second at the head of the line, whose turn comes next): an offer is made
 * the moment units are freed, and the page follows it.
 */
const POLL_MS = 1_000;
const HEAD_POLL_MS = 500;

export const ticketQuery = (id: string) =>
  queryOptions({
    queryKey: ["line-ticket", id],
    queryFn: async (): Promise<TicketView> => {
      const response = await fetch(`/api/queue/${encodeURIComponent(id)}`, { cache: "no-store", headers: { accept: "application/json" } });
      const body = (await response.json().catch(() => ({}))) as { ticket?: TicketView; error?: { message?: string } };
      if (!response.ok || !body.ticket) throw new Error(body.error?.message ?? `The server answered ${response.status}.`);
      return body.ticket;
    },
    refetchInterval: (query) => {
      const ticket = query.state.data;
      if (ticket?.status !== "waiting") return false;
      return ticket.ahead === 0 ? HEAD_POLL_MS : POLL_MS;
    },
    // A shopper waiting in another tab still gets moved on when they come back; meanwhile the offer is also emailed.
    refetchIntervalInBackground: true,
  });

const headings: Record<TicketView["status"], string> = {
  waiting: "You are in line",
  offered: "It's your turn",
  lapsed: "Your turn has passed",
  left: "You left the line",
};

/** "You are #7 — about 3 minutes". */
export function placeText(ticket: TicketView): string {
  return `You are #${ticket.position ?? 1} — ${waitInWords(ticket.estimatedWaitSeconds)}`;
}

/**
 * The shopper's place in the line, kept current: the position, how many are ahead and the estimate while
 * waiting; when the offer comes, straight on to the checkout holding the cart; a lapsed or left ticket says so.
 */
export function LineTicket({ initial, leaveAction }: { initial: TicketView; leaveAction: Action }) {
  const router = useRouter();
  const { data: ticket, error, refetch } = useQuery({ ...ticketQuery(initial.id), initialData: initial, initialDataUpdatedAt: 0 });
  const [leaveState, leaveFormAction, leaving] = useActionState(leaveAction, null);

  const offeredCheckout = ticket.status === "offered" ? ticket.checkoutId : null;
  useEffect(() => {
    if (offeredCheckout) router.replace(`/checkout/${offeredCheckout}`);
  }, [offeredCheckout, router]);
  useEffect(() => {
    if (leaveState?.ok) void refetch();
  }, [leaveState, refetch]);

  const heading = <h1>{headings[ticket.status]}</h1>;
  const items = (
    <ul className="line-list">
      {ticket.lines.map((line) => (
        <li key={line.variantId} className="line line-ticket-item">
          <span>{lineName(line.name, line.options)}</span>
          <span className="muted">× {line.quantity}</span>
        </li>
      ))}
    </ul>
  );

  if (ticket.status === "offered") {
    return (
      <div className="stack">
        {heading}
        <Alert tone="success" title="Your items are held for you">
          <p>Taking you to checkout…</p>
          {offeredCheckout ? <Link href={`/checkout/${offeredCheckout}`}>Go to checkout</Link> : null}
        </Alert>
      </div>
    );
  }
  if (ticket.status === "lapsed" || ticket.status === "left") {
    return (
      <div className="stack">
        {heading}
        <Alert tone="warning" action={<ButtonLink href="/cart">Back to your cart</ButtonLink>}>
          <p>
            {ticket.status === "lapsed"
              ? "The items were held for you, but the checkout was not completed in time, so they went to the next shopper. Nothing was charged."
              : "You are no longer waiting. Nothing was held or charged; your cart is unchanged."}
          </p>
        </Alert>
        <Card aria-label="Items you waited for">
          <h2>You waited for</h2>
          {items}
        </Card>
      </div>
    );
  }
  return (
    <div className="stack">
      {heading}
      <Card aria-label="Your place in line" className="line-place">
        <p className="line-position" aria-live="polite">
          {placeText(ticket)}
        </p>
        <p className="muted">
          {ticket.ahead === 0
            ? "No one is ahead of you: the next units freed are yours."
            : `${ticket.ahead} ${ticket.ahead === 1 ? "shopper is" : "shoppers are"} ahead of you.`}{" "}
          When your turn comes, your items are held for you and this page takes you to checkout. If you close it, we
          email you a link.
        </p>
        {error ? <p className="small muted">Could not check your place just now; trying again…</p> : null}
      </Card>
      <Card aria-label="Items you are waiting for">
        <h2>You are waiting for</h2>
        {items}
      </Card>
      <form action={leaveFormAction} className="row">
        <input type="hidden" name="ticketId" value={ticket.id} />
        <SubmitButton variant="secondary" pending={leaving}>
          Leave the line
        </SubmitButton>
        <Link href="/cart">Back to your cart</Link>
      </form>
      {leaveState && !leaveState.ok ? <FormMessage state={leaveState} /> : null}
    </div>
  );
}
