import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";
import { ResendVerificationForm } from "@/components/account/resend-verification-form";
import { VerifyEmailForm } from "@/components/account/verify-email-form";
import { Card } from "@/components/ui/card";
import { checkAccountToken, emailStatus, tokenProblemMessages } from "@/lib/accounts";
import { currentAccount } from "@/lib/accounts/identity";
import { resendVerificationAction, verifyEmailAction } from "./actions";
import { firstParam } from "@/lib/platform/search-params";

export const metadata: Metadata = { title: "Confirm your email" };

type Props = { searchParams: Promise<{ token?: string | string[] }> };

/**
 * The link from the verification email. Opening it only shows the button: the token is used by the POST
 * behind "Confirm my email". A used, expired or unknown link says so and offers a new one.
 */
export default async function VerifyEmailPage({ searchParams }: Props) {
  await connection();
  const token = firstParam((await searchParams).token);
  const check = await checkAccountToken(token, "verify_email");
  if (check.ok) {
    return (
      <Card className="auth-card">
        <h1>Confirm your email</h1>
        <VerifyEmailForm action={verifyEmailAction} token={token!} email={check.email} />
      </Card>
    );
  }
  const account = await currentAccount();
  const status = account ? await emailStatus(account.id) : null;
  const message = tokenProblemMessages[check.problem];
  return (
    <Card className="auth-card stack">
      <h1>This link does not work</h1>
      <p role="alert" className="form-message form-message-error">
        {message}
      </p>
      {status?.verified ? (
        <p>
          Your email <strong>{status.email}</strong> is already confirmed. <Link href="/orders">See your orders</Link>.
        </p>
      ) : account ? (
        <>
          <p>Get a new link to {status?.email ?? "your email"}:</p>
          <ResendVerificationForm action={resendVerificationAction} />
        </>
      ) : (
        <p>
          <Link href="/signin?callbackUrl=/orders">Sign in</Link> and choose “Send the link again” on your orders page
          for a new link.
        </p>
      )}
    </Card>
  );
}
