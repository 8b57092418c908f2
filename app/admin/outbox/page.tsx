import Link from "next/link";
import { formatTime } from "@/components/admin/format";
import { Badge } from "@/components/ui/badge";
import { requireAdminPage } from "@/lib/admin/access";
import { env } from "@/lib/platform/env";
import { listOutbox, outboxCounts } from "@/lib/mail";

const statusTone = { pending: "info", sending: "info", sent: "success", failed: "danger", kept: "neutral" } as const;
const kindLabel = {
  order_confirmation: "Order confirmation",
  order_shipped: "Shipped",
  order_refunded: "Refund",
  order_cancelled: "Cancellation",
  back_in_stock: "Back in stock",
  line_offer: "Your turn (the line)",
  verify_email: "Verify email",
  reset_password: "Password reset",
} as const;

/** Every email the shop has queued, newest first: sent, waiting for a retry, given up, or kept (demo). */
export default async function OutboxPage() {
  await requireAdminPage("/admin/outbox");
  const [emails, counts] = await Promise.all([listOutbox(), outboxCounts()]);
  return (
    <>
      <h1>Outbox</h1>
      <p className="muted">
        {env.SMTP_URL
          ? "Emails are sent through the configured SMTP server by the sweep, about every minute; failures are retried."
          : "Demo mode: no SMTP_URL is set, so emails are not sent. They are kept here instead."}{" "}
        {Object.entries(counts)
          .map(([status, n]) => `${n} ${status}`)
          .join(" · ")}
      </p>
      {emails.length === 0 ? (
        <p className="muted">No emails yet. Order confirmations and back-in-stock notices appear here.</p>
      ) : (
        <div className="admin-scroll">
          {/* On a phone each email is a card: its subject and status, then when and to whom (admin.css .admin-cards). */}
          <table className="table admin-table admin-cards">
            <thead>
              <tr>
                <th scope="col">Queued</th>
                <th scope="col">To</th>
                <th scope="col">Subject</th>
                <th scope="col">Kind</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {emails.map((email) => (
                <tr key={email.id}>
                  <td className="admin-nowrap admin-card-wide" data-label="Queued">
                    {formatTime(email.createdAt.toISOString())}
                  </td>
                  <td className="admin-break admin-card-wide" data-label="To">
                    {email.recipient}
                  </td>
                  <th scope="row" className="admin-card-title">
                    <Link href={`/admin/outbox/${email.id}`}>{email.subject}</Link>
                  </th>
                  <td className="admin-card-wide" data-label="Kind">
                    {kindLabel[email.kind]}
                  </td>
                  <td className="admin-card-status">
                    <Badge tone={statusTone[email.status]}>{email.status}</Badge>
                    {email.attempts > 1 ? <span className="muted small"> · {email.attempts} attempts</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
