import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AccountForm } from "@/components/account/account-form";
import { Card } from "@/components/ui/card";
import { currentAccount } from "@/lib/accounts/identity";
import { safeCallbackPath } from "@/lib/store-schemas";
import { signUpAction } from "./actions";
import { firstParam } from "@/lib/platform/search-params";

export const metadata: Metadata = { title: "Create an account" };

type Props = { searchParams: Promise<{ callbackUrl?: string | string[] }> };

export default async function SignUpPage({ searchParams }: Props) {
  const { callbackUrl: raw } = await searchParams;
  const callbackUrl = safeCallbackPath(firstParam(raw));
  if (await currentAccount()) redirect(callbackUrl);
  return (
    <Card className="auth-card">
      <h1>Create an account</h1>
      <p className="muted">Keep an order history and check out faster. Anything in your cart comes with you.</p>
      <AccountForm mode="sign-up" action={signUpAction} callbackUrl={callbackUrl} />
    </Card>
  );
}
