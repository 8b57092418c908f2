/** The catalogue: products with their live availability, and creating products with opening stock. */
import "server-only";
import { sql } from "drizzle-orm";
import { db } from "@/db/client";
import { DomainError, notFound } from "./errors";
import { availableSql } from "./inventory";

export type ProductView = {
  id: string;
  slug: string;
  name: string;
  description: string;
  priceCents: number;
  available: number;
  /** A picture for the product card and page, or null for the initials tile. */
  imageUrl: string | null;
  /** No longer sold (kept for its stock history and orders); not listed in the catalogue. */
  archived: boolean;
};

const productColumns = sql`
  p.id, p.slug, p.name, p.description, p.price_cents as "priceCents",
  p.image_url as "imageUrl", p.archived_at is not null as archived,
  greatest(0, ${availableSql(sql`p.id`)}) as available`;

export async function listProducts(): Promise<ProductView[]> {
  return db.execute<ProductView>(sql`
    select ${productColumns} from products p join stock_levels s on s.product_id = p.id
    where p.archived_at is null
    order by p.created_at, p.name`) as Promise<ProductView[]>;
}

export async function getProductBySlug(slug: string): Promise<ProductView> {
  const [product] = await db.execute<ProductView>(sql`
    select ${productColumns} from products p join stock_levels s on s.product_id = p.id
    where p.slug = ${slug}`);
  if (!product) throw notFound("product");
  return product;
}

/** A product by id, archived or not (admin views); undefined when there is none. */
export async function getProductById(productId: string): Promise<ProductView | undefined> {
  const [product] = await db.execute<ProductView>(sql`
    select ${productColumns} from products p join stock_levels s on s.product_id = p.id where p.id = ${productId}`);
  return product;
}

export function slugify(name: string): string {
  return name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80);
}

/** Creates a product with its opening stock (recorded in the ledger as received). */
export async function createProduct(input: {
  name: string;
  slug?: string;
  priceCents: number;
  onHand: number;
  description?: string;
  actorId: string | null;
}): Promise<ProductView> {
  const slug = input.slug ?? slugify(input.name);
  if (!slug) throw new DomainError("invalid_request", "The product needs a name or slug with letters or digits.");
  const id = await db.transaction(async (tx) => {
    const [product] = await tx.execute<{ id: string }>(sql`
      insert into products (slug, name, description, price_cents)
      values (${slug}, ${input.name}, ${input.description ?? ""}, ${input.priceCents})
      on conflict (slug) do nothing
      returning id`);
    if (!product) throw new DomainError("conflict", `A product with the slug "${slug}" already exists.`);
    await tx.execute(sql`insert into stock_levels (product_id, on_hand) values (${product.id}, ${input.onHand})`);
    if (input.onHand > 0) {
      await tx.execute(sql`
        insert into stock_movements (product_id, kind, on_hand_delta, actor_id, reason)
        values (${product.id}, 'receive', ${input.onHand}, ${input.actorId}, 'opening stock')`);
    }
    return product.id;
  });
  const [product] = await db.execute<ProductView>(sql`
    select ${productColumns} from products p join stock_levels s on s.product_id = p.id where p.id = ${id}`);
  return product!;
}
