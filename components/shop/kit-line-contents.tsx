/** Under a kit's line in the cart, checkout and order: what one kit holds ("Contains 2 × Mug, 1 × Lamp"). */
export function KitLineContents({ text }: { text: string | undefined }) {
  if (!text) return null;
  return <div className="muted small kit-line-contents">{text}</div>;
}
