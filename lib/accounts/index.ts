/**
 * Accounts beyond signing in: proving an email address (verification links) and setting a new password
 * (reset links), both through single-use, expiring tokens mailed via the outbox. Auth.js (lib/accounts/auth.ts) stays
 * the session layer.
 */
export { AccountTokenError, checkAccountToken, tokenProblemMessages, type TokenProblem } from "./tokens";
export {
  emailStatus,
  RESEND_VERIFICATION_SECONDS,
  requestEmailVerification,
  resendEmailVerification,
  SIGN_IN_VERIFICATION_SECONDS,
  signUp,
  verifyEmail,
} from "./verification";
export { RESET_REQUESTED_MESSAGE, requestPasswordReset, resetPassword } from "./password-reset";
