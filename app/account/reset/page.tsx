import type { Metadata } from "next";
import { connection } from "next/server";
import { ResetPasswordForm } from "@/components/account/reset-password-form";
import { ButtonLink } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { checkAccountToken, tokenProblemMessages } from "@/lib/accounts";
import { resetPasswordAction } from "./actions";
import { firstParam } from "@/lib/platform/search-params";

export const metadata: Metadata = { title: "Set a new password" };

type Props = { searchParams: Promise<{ token?: string | string[] }> };

/** The link from the reset email: a form for the new password, or why the link no longer works. */
export default async function ResetPasswordPage({ searchParams }: Props) {
  await connection();
  const token = firstParam((await searchParams).token);
  const check = await checkAccountToken(token, "reset_password");
  if (check.ok) {
    return (
      <Card className="auth-card">
        <h1>Set a new password</h1>
        <ResetPasswordForm action={resetPasswordAction} token={token!} email={check.email} />
      </Card>
    );
  }
  const message = tokenProblemMessages[check.problem];
  return (
    <Card className="auth-card stack">
      <h1>This link does not work</h1>
      <p role="alert" className="form-message form-message-error">
        {message}
      </p>
      <div>
        <ButtonLink href="/account/forgot">Ask for a new link</ButtonLink>
      </div>
    </Card>
  );
}
