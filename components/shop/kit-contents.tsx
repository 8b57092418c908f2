import Link from "next/link";
import type { KitComponentView } from "@/lib/catalog";
import "./kit-contents.css";

/** What a kit is made of, each component linking to its own page: "2 × Spoon". */
export function KitContents({ components }: { components: KitComponentView[] }) {
  return (
    <section aria-labelledby="kit-contents" className="kit-contents">
      <h2 id="kit-contents">In this kit</h2>
      <ul>
        {components.map((c) => (
          <li key={c.variantId}>
            {c.quantity} × <Link href={`/products/${c.slug}`}>{c.name}</Link>
            {Object.keys(c.options).length > 0 ? <span className="muted"> ({Object.values(c.options).join(", ")})</span> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
