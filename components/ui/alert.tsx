import type { ReactNode } from "react";

export type AlertTone = "info" | "success" | "warning" | "danger";

/** Warnings and errors are announced at once (role="alert"); news and confirmations politely (role="status"). */
export function Alert({
  tone = "info",
  title,
  children,
  action,
}: {
  tone?: AlertTone;
  title?: ReactNode;
  children?: ReactNode;
  action?: ReactNode;
}) {
  return (
    <div className={`alert alert-${tone}`} role={tone === "danger" || tone === "warning" ? "alert" : "status"}>
      <div className="alert-body">
        {title ? <p className="alert-title">{title}</p> : null}
        {children ? <div className="alert-text">{children}</div> : null}
      </div>
      {action ? <div className="alert-action">{action}</div> : null}
    </div>
  );
}
