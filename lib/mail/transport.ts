/** The mail server: nodemailer over SMTP to SMTP_URL, from MAIL_FROM. Without SMTP_URL there is none (demo). */
import "server-only";
import nodemailer from "nodemailer";
import { env } from "../platform/env";

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** A stable Message-ID, so a mail server or client can recognise a retried email as the same one. */
  messageId: string;
}

export interface MailTransport {
  send(email: OutgoingEmail): Promise<void>;
  close(): void;
}

/**
 * A transport to this SMTP URL (`smtp://user:pass@host:587`, `smtps://…`). Short timeouts: a mail server that
 * hangs delays only the sweep, and the email is retried later.
 */
export function createMailTransport(url: string, from = env.MAIL_FROM): MailTransport {
  const transporter = nodemailer.createTransport({
    url,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    async send(email) {
      await transporter.sendMail({
        from,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        messageId: email.messageId,
      });
    },
    close: () => transporter.close(),
  };
}

let configured: MailTransport | null | undefined;

/** The transport of SMTP_URL, made once per process; null in demo mode (no SMTP_URL). */
export function configuredTransport(): MailTransport | null {
  if (configured === undefined) configured = env.SMTP_URL ? createMailTransport(env.SMTP_URL) : null;
  return configured;
}
