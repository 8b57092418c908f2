import { connection } from "next/server";
import { listProducts } from "@/lib/catalog";

export default async function CataloguePage() {
  await connection();
  const products = await listProducts();
  return (
    <main>
      <h1>Stockhold</h1>
      <ul>
        {products.map((p) => (
          <li key={p.id}>
            {p.name} — {p.available > 0 ? `${p.available} in stock` : "Out of stock"}
          </li>
        ))}
      </ul>
    </main>
  );
}
