import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AccountForm } from "@/components/account/account-form";
import { Card } from "@/components/ui/card";
import { currentAccount } from "@/lib/accounts/identity";
import { safeCallbackPath } from "@/lib/store-schemas";
import { signInAction } from "./actions";
import { firstParam } from "@/lib/platform/search-params";

export const metadata: Metadata = { title: "Sign in" };

type Props = { searchParams: Promise<{ callbackUrl?: string | string[] }> };

/** Sign in; `callbackUrl` (a path on this site only) says where to go afterwards, e.g. /admin. */
export default async function SignInPage({ searchParams }: Props) {
  const { callbackUrl: raw } = await searchParams;
  const callbackUrl = safeCallbackPath(firstParam(raw));
  if (await currentAccount()) redirect(callbackUrl);
  return (
    <Card className="auth-card">
      <h1>Sign in</h1>
      <AccountForm mode="sign-in" action={signInAction} callbackUrl={callbackUrl} />
    </Card>
  );
}
