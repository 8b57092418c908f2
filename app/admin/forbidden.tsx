import Link from "next/link";

/** Shown, with status 403, to a signed-in shopper who opens an admin page. */
export default function AdminForbidden() {
  return (
    <section className="card stack admin-forbidden">
      <h1>403 · Admins only</h1>
      <p>You are signed in, but this account cannot run the shop.</p>
      <p>
        <Link href="/">Back to the shop</Link> · <Link href="/signin?callbackUrl=%2Fadmin">Sign in as an admin</Link>
      </p>
    </section>
  );
}
