"use client";

import type { CatalogueSort } from "@/lib/catalog";
import { buttonClass } from "../ui/button";

const sortLabels: Partial<Record<CatalogueSort, string>> = {
  newest: "Newest",
  price_asc: "Price: low to high",
  price_desc: "Price: high to low",
  name: "Name",
};

/**
 * Search, sort and "in stock only" as a plain GET form: the URL says what is shown (shareable, works without
 * JavaScript). With JavaScript, changing the sort or the stock filter applies at once.
 */
export function CatalogueFilters({ q, sort, inStock }: { q: string; sort: CatalogueSort | undefined; inStock: boolean }) {
  const searching = q.trim() !== "";
  const submit = (element: HTMLInputElement | HTMLSelectElement) => element.form?.requestSubmit();
  return (
    <form method="get" action="/" role="search" aria-label="Products" className="catalogue-filters">
      <div className="catalogue-search">
        <label htmlFor="catalogue-q" className="visually-hidden">
          Search products
        </label>
        <input
          id="catalogue-q"
          name="q"
          type="search"
          className="input"
          defaultValue={q}
          maxLength={200}
          placeholder="Search products"
          enterKeyHint="search"
        />
        <button type="submit" className={buttonClass("primary")}>
          Search
        </button>
      </div>
      <div className="catalogue-options">
        <label className="catalogue-sort">
          <span className="field-label">Sort</span>
          {/* The empty choice is the default: best match while searching, else by name; a new search starts there. */}
          <select
            name="sort"
            className="select"
            defaultValue={sort === "relevance" || (!searching && sort === "name") ? "" : (sort ?? "")}
            onChange={(event) => submit(event.currentTarget)}
          >
            <option value="">{searching ? "Best match" : "Name"}</option>
            {(Object.keys(sortLabels) as CatalogueSort[])
              .filter((value) => searching || value !== "name")
              .map((value) => (
                <option key={value} value={value}>
                  {sortLabels[value]}
                </option>
              ))}
          </select>
        </label>
        <label className="catalogue-check">
          <input
            type="checkbox"
            name="inStock"
            value="true"
            defaultChecked={inStock}
            onChange={(event) => submit(event.currentTarget)}
          />
          In stock only
        </label>
      </div>
    </form>
  );
}
