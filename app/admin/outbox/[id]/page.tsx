import Link from "next/link";
import { notFound } from "next/navigation";
import { Fragment } from "react";
import { formatTime } from "@/components/admin/format";
import { Badge } from "@/components/ui/badge";
import { requireAdminPage } from "@/lib/admin/access";
import { getOutboxEmail } from "@/lib/mail";

/** Splits text into plain parts and http(s) links, so an email's links can be followed from here. */
function withLinks(text: string) {
  return text.split(/(https?:\/\/[^\s<>"]+)/g).map((part, index) =>
    /^https?:\/\//.test(part) ? (
      <a key={index} href={part}>
        {part}
      </a>
    ) : (
      <Fragment key={index}>{part}</Fragment>
    ),
  );
}

/** One email as it was (or would be) sent: headers, the text version with working links, the HTML source. */
export default async function OutboxEmailPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await requireAdminPage(`/admin/outbox/${encodeURIComponent(id)}`);
  if (!/^\d{1,15}$/.test(id)) notFound();
  const email = await getOutboxEmail(Number(id));
  if (!email) notFound();
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/admin/outbox">Outbox</Link> / <span aria-current="page">Email {email.id}</span>
      </nav>
      <h1 className="admin-break">{email.subject}</h1>
      <dl className="admin-dl card">
        <dt>To</dt>
        <dd className="admin-break">{email.recipient}</dd>
        <dt>Status</dt>
        <dd>
          <Badge tone={email.status === "sent" ? "success" : email.status === "failed" ? "danger" : "neutral"}>{email.status}</Badge>
          {email.sentAt ? <span className="muted small"> {formatTime(email.sentAt.toISOString())}</span> : null}
        </dd>
        <dt>Queued</dt>
        <dd className="admin-nowrap">{formatTime(email.createdAt.toISOString())}</dd>
        <dt>Attempts</dt>
        <dd>{email.attempts}</dd>
        {email.lastError ? (
          <>
            <dt>Last error</dt>
            <dd className="admin-break">{email.lastError}</dd>
          </>
        ) : null}
      </dl>
      <h2>Message</h2>
      <div className="card outbox-body">{withLinks(email.textBody)}</div>
      <details>
        <summary>HTML version (source)</summary>
        <pre className="outbox-html">{email.htmlBody}</pre>
      </details>
    </>
  );
}
