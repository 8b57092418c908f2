import type { ReactNode } from "react";

export const metadata = { title: "Stockhold", description: "A shop that never oversells." };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
