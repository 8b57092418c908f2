import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import { Providers } from "@/components/providers";
import { SiteHeader } from "@/components/site-header";
import { env } from "@/lib/platform/env";
import "./globals.css";
import "@/components/shop/storefront-extras.css";

export const metadata: Metadata = {
  title: { default: "Stockhold", template: "%s · Stockhold" },
  description: "A shop that never oversells and never locks stock up in abandoned carts.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1, themeColor: "#1f3a5f" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a href="#content" className="skip-link">
          Skip to content
        </a>
        <Providers>
          <SiteHeader />
          <main id="content" className="container page">
            {children}
          </main>
          <footer className="site-footer">
            <div className="container">
              Stockhold · items are held for you only while you check out
              {/* Test cards mean something only to the built-in test provider: a live shop never mentions them. */}
              {env.PAYMENT_PROVIDER === "test" ? " · test cards: 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined" : null}
            </div>
          </footer>
        </Providers>
      </body>
    </html>
  );
}
