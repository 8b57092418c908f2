import { sql } from "drizzle-orm";
import { db } from "@/db/client";
import { env } from "@/lib/platform/env";
import { handler, json } from "@/lib/platform/http";

export const dynamic = "force-dynamic";

/** The server's name in every answer (the launcher knows its own child by it), worked out once. */
const instanceHeaders: Record<string, string> = env.STOCKHOLD_INSTANCE_ID ? { "X-Instance-Id": env.STOCKHOLD_INSTANCE_ID } : {};

const ping = sql`select 1`;

/** Liveness and database reachability, for load balancers and operators. 503 while the database is down. */
export const GET = handler(async () => {
  await db.execute(ping);
  return json({ ok: true }, 200, instanceHeaders);
});
