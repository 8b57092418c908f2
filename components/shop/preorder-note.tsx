import { preorderText } from "@/lib/catalog/ship-date";
import "./preorder.css";

/**
 * "Pre-order — ships around 14 March": said of a variant whose shelf is empty and which sells against units on
 * their way, so the shopper knows before buying that it does not ship at once.
 */
export function PreorderNote({ expectedAt }: { expectedAt: string }) {
  return (
    <p className="preorder-note">
      <strong>{preorderText(expectedAt)}</strong>
    </p>
  );
}
