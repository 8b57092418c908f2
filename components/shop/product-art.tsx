/** The product's picture, or a coloured tile with its initials, so every product looks distinct without one. */
const palette = ["#1f3a5f", "#c8553d", "#2e6e5e", "#7a4e8c", "#8c6d1f", "#3d5a80", "#9b3d5c", "#4b6e2e"];

function colourOf(slug: string): string {
  let hash = 0;
  for (const char of slug) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return palette[hash % palette.length]!;
}

function initialsOf(name: string): string {
  return name
    .split(/\s+/)
    .filter((word) => /^[A-Za-z0-9]/.test(word))
    .slice(0, 2)
    .map((word) => word[0]!.toUpperCase())
    .join("");
}

/** The product's picture when it has one (`imageUrl`), else the initials tile. Decorative: the name is beside it. */
export function ProductArt({
  slug,
  name,
  imageUrl,
  large = false,
}: {
  slug: string;
  name: string;
  imageUrl?: string | null;
  large?: boolean;
}) {
  if (imageUrl) {
    return (
      // eslint-disable-next-line @next/next/no-img-element -- merchant-given URLs on any host: no image optimiser config
      <img src={imageUrl} alt="" className={large ? "product-art product-art-lg product-photo" : "product-art product-photo"} loading="lazy" />
    );
  }
  return (
    <div className={large ? "product-art product-art-lg" : "product-art"} style={{ background: colourOf(slug) }} aria-hidden="true">
      {initialsOf(name)}
    </div>
  );
}
