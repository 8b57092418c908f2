import type { Metadata } from "next";
import { ForgotPasswordForm } from "@/components/account/forgot-password-form";
import { Card } from "@/components/ui/card";
import { requestPasswordResetAction } from "./actions";

export const metadata: Metadata = { title: "Forgot password" };

export default function ForgotPasswordPage() {
  return (
    <Card className="auth-card">
      <h1>Forgot your password?</h1>
      <p className="muted">Enter the email you signed up with and we’ll send you a link to set a new password.</p>
      <ForgotPasswordForm action={requestPasswordResetAction} />
    </Card>
  );
}
