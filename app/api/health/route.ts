import { sql } from "drizzle-orm";
import { db } from "@/db/client";
import { env } from "@/lib/platform/env";
import { handler, json } from "@/lib/platform/http";

export const dynamic = "force-dynamic";

/** Liveness and database reachability, for load balancers and operators. 503 while the database is down. */
export const GET = handler(async () => {
  await db.execute(sql`select 1`);
  return json({ ok: true }, 200, env.STOCKHOLD_INSTANCE_ID ? { "X-Instance-Id": env.STOCKHOLD_INSTANCE_ID } : {});
});
