"use client";

import { ButtonLink } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";

/** A page that failed to render (e.g. the database was briefly unreachable): say so and offer a retry. */
export default function PageError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <EmptyState
      level={1}
      title="Something went wrong on our side"
      action={
        <div className="row" style={{ justifyContent: "center" }}>
          <button type="button" className="btn btn-primary" onClick={() => reset()}>
            Try again
          </button>
          <ButtonLink href="/" variant="secondary">
            Back to the shop
          </ButtonLink>
        </div>
      }
    >
      <p>Nothing you did caused this, and nothing was charged. Please try again in a moment.</p>
    </EmptyState>
  );
}
