import type { Metadata } from "next";
import type { ReactNode } from "react";
import { AdminNav } from "@/components/admin/admin-nav";
import { currentAccount } from "@/lib/accounts/identity";
import "@/components/admin/admin.css";

// Stock moves every second: never prerender or cache an admin page.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: "Admin",
  robots: { index: false, follow: false },
};

/**
 * The admin frame. It shows the admin navigation to admins only; it does not guard the pages, because a layout
 * renders alongside its page, not before it: every page, action and handler checks the role itself.
 */
export default async function AdminLayout({ children }: { children: ReactNode }) {
  const account = await currentAccount();
  return (
    <div className="admin">
      {account?.kind === "admin" ? <AdminNav /> : null}
      {children}
    </div>
  );
}
