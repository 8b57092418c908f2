import { ButtonLink } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";

/** Unknown pages, and checkouts or orders that are not this visitor's (they do not exist for them). */
export default function NotFound() {
  return (
    <EmptyState level={1} title="We could not find that page" action={<ButtonLink href="/">Back to the shop</ButtonLink>}>
      <p>The link may be old, or the page belongs to a different shopper or browser.</p>
    </EmptyState>
  );
}
