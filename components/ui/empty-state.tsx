import type { ReactNode } from "react";

/**
 * A page or section with nothing to show, saying why and what to do. Where it is the whole page (not found, an
 * error) its title is the page's heading: `level` 1.
 */
export function EmptyState({
  title,
  children,
  action,
  level = 2,
}: {
  title: string;
  children?: ReactNode;
  action?: ReactNode;
  level?: 1 | 2;
}) {
  const Heading = level === 1 ? "h1" : "h2";
  return (
    <div className="empty-state">
      <Heading className="empty-state-title">{title}</Heading>
      {children ? <div className="empty-state-text">{children}</div> : null}
      {action ? <div className="empty-state-action">{action}</div> : null}
    </div>
  );
}
