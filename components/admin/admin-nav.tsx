"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

const links = [
  { href: "/admin", label: "Stock" },
  { href: "/admin/holds", label: "Holds" },
  { href: "/admin/orders", label: "Orders" },
  { href: "/admin/packing", label: "Packing" },
  { href: "/admin/products", label: "Products" },
  { href: "/admin/locations", label: "Locations" },
  { href: "/admin/incoming", label: "Incoming" },
  { href: "/admin/ledger", label: "Ledger" },
  { href: "/admin/outbox", label: "Outbox" },
];

/** The admin area's own navigation, under the shop's header. */
export function AdminNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Admin" className="admin-nav">
      {links.map((link) => (
        <Link key={link.href} href={link.href} aria-current={pathname === link.href || (link.href !== "/admin" && pathname.startsWith(`${link.href}/`)) ? "page" : undefined}>
          {link.label}
        </Link>
      ))}
    </nav>
  );
}
