/**
 * Availability as one shopper sees it. Read-only SQL fragments over a query that has `p` (products) and `s`
 * (stock_levels) in scope: the hold engine (lib/inventory) decides what may be held; these only say it.
 *
 * - A shopper's own live hold is theirs: it is not counted against them (their cart still shows it in stock).
 * - Other shoppers' live holds are `held`, and may come back: `nextReleaseAt` is when the soonest of them lapses
 *   if its checkout stays untouched.
 * - Holds whose time is up count as free already, before anyone releases them (as lib/inventory counts them).
 */
import "server-only";
import { sql, type SQL } from "drizzle-orm";

/**
 * `left join lateral … h`: the live-hold figures of product `p` for this viewer (null: a visitor without a cart).
 * Raw SQL: a lateral aggregate with FILTER clauses, which the query builder cannot say.
 */
export const holdFiguresJoin = (viewerId: string | null): SQL => sql`left join lateral (
    select
      coalesce(sum(r.quantity) filter (where r.expires_at > now() and r.shopper_id is distinct from ${viewerId}::uuid), 0)::int as others,
      min(r.expires_at) filter (where r.expires_at > now() and r.shopper_id is distinct from ${viewerId}::uuid) as next_release_at,
      coalesce(sum(r.quantity) filter (where r.expires_at > now() and r.shopper_id = ${viewerId}::uuid), 0)::int as own,
      coalesce(sum(r.quantity) filter (where r.expires_at <= now()), 0)::int as lapsed
    from reservations r
    where r.product_id = p.id and r.status = 'active'
  ) h on true`;

/** Units this viewer could have now: free for a new hold, plus what their own live hold already holds. */
export const availableToViewerSql = sql`greatest(0, s.on_hand - s.allocated - s.reserved + h.lapsed + h.own)`;

/**
 * Whether this viewer could have any of product `p` now, without the lateral join: most products have no holds at
 * all (`reserved = 0`), and only the others need a look at their holds. For filtering many rows cheaply.
 */
export const inStockForViewerSql = (viewerId: string | null): SQL => sql`(case
    when s.reserved = 0 then s.on_hand - s.allocated > 0
    else s.on_hand - s.allocated - s.reserved + coalesce((
      select sum(r.quantity)::int from reservations r
      where r.product_id = p.id and r.status = 'active'
        and (r.expires_at <= now() or r.shopper_id = ${viewerId}::uuid)
    ), 0) > 0
  end)`;

/** `held` and `nextReleaseAt` (ISO text, or null) of the same join. */
export const heldColumnsSql = sql`h.others as held, to_json(h.next_release_at) #>> '{}' as "nextReleaseAt"`;

/** A timestamp as PostgreSQL prints it, as ISO 8601 in UTC. */
export const isoOrNull = (value: string | null): string | null => (value ? new Date(value).toISOString() : null);
