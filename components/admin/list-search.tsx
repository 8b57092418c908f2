import Link from "next/link";
import { buttonClass } from "@/components/ui/button";
import type { ProductChoice } from "@/lib/admin/products";
import { searchOf, type ListView } from "./queries";

/** The URL of a page of an admin list: the search stays, so the link can be shared or reloaded. */
export function listHref(path: string, view: ListView & { productId?: string }): string {
  const search = searchOf({ ...view });
  return search ? `${path}?${search}` : path;
}

/** A plain GET search form for an admin list (works without JavaScript); a new search starts at page one. */
export function ListSearch({
  action,
  label,
  placeholder,
  q,
  hidden = {},
}: {
  action: string;
  label: string;
  placeholder: string;
  q?: string;
  hidden?: Record<string, string | undefined>;
}) {
  const id = `${action.replace(/\W+/g, "-")}-q`;
  return (
    <form method="get" action={action} role="search" aria-label={label} className="admin-search admin-list-search">
      {Object.entries(hidden).map(([name, value]) => (value ? <input key={name} type="hidden" name={name} value={value} /> : null))}
      <label htmlFor={id} className="visually-hidden">
        {label}
      </label>
      <input id={id} name="q" type="search" className="input" defaultValue={q ?? ""} placeholder={placeholder} maxLength={200} />
      <button type="submit" className={buttonClass("secondary")}>
        Search
      </button>
    </form>
  );
}

/**
 * Finding one product on a page that shows one at a time (the ledger, incoming deliveries): a search by name, and
 * the products it matched as links to `path` with that product chosen.
 */
export function ProductFinder({ path, q, choices }: { path: string; q?: string; choices: readonly ProductChoice[] }) {
  return (
    <>
      <ListSearch action={path} label="Find a product" placeholder="Find a product by name" q={q} />
      {q ? (
        choices.length === 0 ? (
          <p className="muted">No product matches “{q}”.</p>
        ) : (
          <nav aria-label="Matching products" className="admin-choices">
            {choices.map((choice) => (
              <Link key={choice.id} href={listHref(path, { productId: choice.id })} className="admin-filter">
                {choice.name}
              </Link>
            ))}
          </nav>
        )
      ) : null}
    </>
  );
}
