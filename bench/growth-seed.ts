/**
 * A year of a busy shop's history, written straight into the schema with set-based SQL (generate_series
 * INSERT … SELECT): shoppers, carts, checkouts, holds, payments, orders with their lines and allocations, sent
 * confirmation emails and the ledger rows every step writes, so `npm run reconcile` finds every level equal to
 * the ledger and every invariant holding. Used by `npm run bench:growth` and by the tests that need history.
 *
 * At scale 1 (a year): 5,000 products, 200,000 shoppers, 400,000 checkouts and payments, 300,000
 * orders of 2 lines (600,000 lines), 2,000,000 holds (the abandoned checkouts' carts hold 14 lines each), about
 * 4.6 million ledger rows. Every count scales linearly with `scale`.
 */
import type { Sql, TransactionSql } from "postgres";
import { addProducts } from "./catalogue";

export interface GrowthSize {
  products: number;
  shoppers: number;
  checkouts: number;
  orders: number;
  /** The days the history spreads over, ending now. */
  days: number;
}

/** Lines in each paid checkout, and in each abandoned one (2 M holds at scale 1). */
const PAID_LINES = 2;
const ABANDONED_LINES = 14;

export function growthSize(scale: number): GrowthSize {
  const n = (full: number, least: number) => Math.max(least, Math.round(full * scale));
  const checkouts = n(400_000, 40);
  return { products: n(5_000, 40), shoppers: n(200_000, 20), checkouts, orders: ordersOf(checkouts), days: 365 };
}

/** The same catalogue as `growthSize(scale)` with its first week of trade: the fresh shop a year is measured against. */
export function freshSize(scale: number): GrowthSize {
  return { ...growthSize(scale), shoppers: 500, checkouts: 1_000, orders: ordersOf(1_000), days: 7 };
}

/** Paid checkouts: all but every fourth. */
const ordersOf = (checkouts: number) => checkouts - Math.floor((checkouts + 1) / 4);

/**
 * Sets every stock row to the sums of its ledger: the history below writes only ledger rows, holds and
 * allocations, and the levels follow from them as the engine's own writes would have left them.
 */
export async function levelsFromLedger(sql: Sql | TransactionSql): Promise<void> {
  await sql`
    update stock_levels s
    set on_hand = l.on_hand, reserved = l.reserved, allocated = l.allocated
    from (
      select variant_id, location_id, sum(on_hand_delta)::int as on_hand, sum(reserved_delta)::int as reserved,
             sum(allocated_delta)::int as allocated
      from stock_movements group by variant_id, location_id
    ) l
    where l.variant_id = s.variant_id and l.location_id = s.location_id
      and (s.on_hand, s.reserved, s.allocated) is distinct from (l.on_hand, l.reserved, l.allocated)`;
}

/**
 * The year (or the week): `size` of history spread over the last `size.days` days (the newest a few minutes old), at the first active
 * location. Paid checkouts (3 in 4) became orders, fulfilled a day later unless younger than a day; the rest
 * expired or were cancelled, each with its declined payment. Writes a restock at the year's start of every unit
 * later sold, so no level ever goes below zero.
 */
export async function growHistory(sql: Sql, size: GrowthSize, log: (line: string) => void = () => {}): Promise<GrowthSize> {
  const step = async (what: string, run: () => Promise<unknown>) => {
    const started = Date.now();
    await run();
    log(`  ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  };
  await step(`${size.products.toLocaleString("en")} products`, () => addProducts(sql, size.products));
  await sql.begin(async (tx) => {
    await tx`select set_config('statement_timeout', '0', true)`;
    // Numbered variants and shoppers, for the generators below to pick by number.
    await tx`create temporary table grow_variants on commit drop as
      select row_number() over (order by v.id) - 1 as n, v.id, v.product_id, v.sku, v.price_cents, p.name
      from product_variants v join products p on p.id = v.product_id where p.slug like 'bench-%'`;
    await tx`create unique index on grow_variants (n)`;
    const [{ variants }] = (await tx`select count(*)::int as variants from grow_variants`) as unknown as [{ variants: number }];
    await tx`create temporary table grow_location on commit drop as
      select id from locations where active order by priority, id limit 1`;

    await step(`${size.shoppers.toLocaleString("en")} shoppers and carts`, async () => {
      await tx`create temporary table grow_shoppers (n int primary key, id uuid, cart_id uuid) on commit drop`;
      await tx`
        with u as (
          insert into users (kind, created_at)
          select 'guest', now() - ${size.days + 1}::int * interval '1 day' + (i::float8 / ${size.shoppers}::int) * ${size.days}::int * interval '1 day'
          from generate_series(0, ${size.shoppers - 1}::int) i
          returning id
        )
        insert into grow_shoppers (n, id) select row_number() over (order by id) - 1, id from u`;
      await tx`
        with c as (insert into carts (shopper_id) select id from grow_shoppers returning id, shopper_id)
        update grow_shoppers s set cart_id = c.id from c where c.shopper_id = s.id`;
    });

    await step(`${size.checkouts.toLocaleString("en")} checkouts and payments`, async () => {
      // i: the checkout's number, oldest first; paid unless i % 4 = 3; at: when it started.
      await tx`create temporary table grow_checkouts on commit drop as
        select i, gen_random_uuid() as id, s.id as shopper_id, s.cart_id, (i % 4 <> 3) as paid,
               now() - ${size.days}::int * interval '1 day' + (i::float8 / ${size.checkouts}::int) * (${size.days}::int * interval '1 day' - interval '30 minutes') as at
        from generate_series(0, ${size.checkouts - 1}::int) i
        join grow_shoppers s on s.n = i % ${size.shoppers}::int`;
      await tx`create unique index on grow_checkouts (i)`;
      // Its lines: distinct variants, 2 in a paid checkout and 14 in an abandoned one.
      await tx`create temporary table grow_lines on commit drop as
        select c.i, c.id as checkout_id, c.shopper_id, c.paid, c.at, v.id as variant_id, v.product_id, v.sku, v.name,
               v.price_cents, 1 + (c.i + j) % 3 as quantity
        from grow_checkouts c
        cross join lateral generate_series(0, case when c.paid then ${PAID_LINES - 1}::int else ${ABANDONED_LINES - 1}::int end) j
        join grow_variants v on v.n = (c.i * 31 + j) % ${variants}::int`;
      await tx`
        insert into checkouts (id, cart_id, shopper_id, status, ended_by, email, total_cents, started_at, expires_at, hard_expires_at, ended_at)
        select c.id, c.cart_id, c.shopper_id,
               case when c.paid then 'completed' when c.i % 8 = 7 then 'cancelled' else 'expired' end,
               case when c.paid then 'payment' when c.i % 8 = 7 then 'shopper' else 'timeout' end,
               'shopper' || c.i || '@example.test', t.total, c.at, c.at + interval '15 minutes', c.at + interval '1 hour',
               c.at + interval '5 minutes'
        from grow_checkouts c
        join (select checkout_id, sum(quantity * price_cents) as total from grow_lines group by checkout_id) t on t.checkout_id = c.id`;
      // The abandoned checkouts' declined payments; the paid ones' are written with their orders.
      await tx`
        insert into payments (checkout_id, shopper_id, request_key, provider, amount_cents, status, decline_code,
                              created_at, updated_at, settled_at)
        select c.id, c.shopper_id, 'grow-' || c.i, 'test', k.total_cents, 'declined', 'card_declined',
               c.at + interval '4 minutes', c.at + interval '5 minutes', c.at + interval '5 minutes'
        from grow_checkouts c join checkouts k on k.id = c.id where not c.paid`;
    });

    await step(`${size.orders.toLocaleString("en")} orders, lines and allocations`, async () => {
      await tx`
        insert into orders (checkout_id, shopper_id, email, status, total_cents, payment_reference, created_at, fulfilled_at)
        select c.id, c.shopper_id, k.email,
               case when c.at < now() - interval '1 day' then 'fulfilled' else 'paid' end,
               k.total_cents, 'ref_grow_' || c.i, c.at + interval '5 minutes',
               case when c.at < now() - interval '1 day' then c.at + interval '1 day' end
        from grow_checkouts c join checkouts k on k.id = c.id where c.paid`;
      await tx`
        insert into payments (checkout_id, shopper_id, request_key, provider, provider_reference, amount_cents, status,
                              order_id, created_at, updated_at, settled_at)
        select o.checkout_id, o.shopper_id, 'grow-' || c.i, 'test', o.payment_reference, o.total_cents, 'captured', o.id,
               c.at + interval '4 minutes', c.at + interval '5 minutes', c.at + interval '5 minutes'
        from orders o join grow_checkouts c on c.id = o.checkout_id`;
      await tx`alter table grow_lines add column order_id uuid, add column fulfilled boolean`;
      await tx`update grow_lines l set order_id = o.id, fulfilled = (o.status = 'fulfilled')
               from orders o where l.paid and o.checkout_id = l.checkout_id`;
      await tx`
        insert into order_lines (order_id, product_id, variant_id, name, sku, quantity, unit_price_cents)
        select order_id, product_id, variant_id, name, sku, quantity, price_cents from grow_lines where paid`;
      await tx`
        insert into order_allocations (order_id, product_id, variant_id, location_id, quantity, fulfilled)
        select l.order_id, l.product_id, l.variant_id, g.id, l.quantity, case when l.fulfilled then l.quantity else 0 end
        from grow_lines l cross join grow_location g where l.paid`;
      await tx`
        insert into email_outbox (kind, recipient, subject, text_body, html_body, dedupe_key, status, attempts, sent_at, created_at)
        select 'order_confirmation', o.email, 'Your order', 'Thank you for your order.', '<p>Thank you for your order.</p>',
               'order:' || o.id, 'sent', 1, o.created_at + interval '1 minute', o.created_at
        from orders o join grow_checkouts c on c.id = o.checkout_id`;
    });

    await step(`${(size.orders * PAID_LINES + (size.checkouts - size.orders) * ABANDONED_LINES).toLocaleString("en")} holds`, () =>
      tx`
        insert into reservations (checkout_id, shopper_id, product_id, variant_id, location_id, quantity, unit_price_cents,
                                  status, expires_at, created_at, ended_at)
        select l.checkout_id, l.shopper_id, l.product_id, l.variant_id, g.id, l.quantity, l.price_cents,
               case when l.paid then 'allocated' when l.i % 8 = 7 then 'released' else 'expired' end,
               l.at + interval '15 minutes', l.at, l.at + case when l.paid then interval '5 minutes' else interval '15 minutes' end
        from grow_lines l cross join grow_location g`,
    );

    await step("the ledger", () =>
      // Every unit sold is restocked at the year's start; then each line's hold, its sale or its end, and the
      // shipping, in time order (ids grow with time, as the shop writes them).
      tx`
        insert into stock_movements (product_id, variant_id, location_id, kind, on_hand_delta, reserved_delta, allocated_delta,
                                     reason, checkout_id, order_id, created_at)
        select product_id, variant_id, location_id, kind, on_hand_delta, reserved_delta, allocated_delta, reason, checkout_id, order_id, at
        from (
          select l.product_id, l.variant_id, g.id as location_id, 'receive' as kind, sum(l.quantity)::int as on_hand_delta,
                 0 as reserved_delta, 0 as allocated_delta, 'restock' as reason, null::uuid as checkout_id, null::uuid as order_id,
                 now() - ${size.days + 1}::int * interval '1 day' as at
          from grow_lines l cross join grow_location g where l.paid group by l.product_id, l.variant_id, g.id
          union all
          select l.product_id, l.variant_id, g.id, 'reserve', 0, l.quantity, 0, null, l.checkout_id, null, l.at
          from grow_lines l cross join grow_location g
          union all
          select l.product_id, l.variant_id, g.id,
                 case when l.paid then 'allocate' when l.i % 8 = 7 then 'release' else 'expire' end, 0, -l.quantity,
                 case when l.paid then l.quantity else 0 end,
                 case when l.paid then 'order paid' when l.i % 8 = 7 then 'checkout cancelled' else null end,
                 l.checkout_id, l.order_id, l.at + case when l.paid then interval '5 minutes' else interval '15 minutes' end
          from grow_lines l cross join grow_location g
          union all
          select l.product_id, l.variant_id, g.id, 'fulfil', -l.quantity, 0, -l.quantity, 'order fulfilled', null, l.order_id,
                 l.at + interval '1 day'
          from grow_lines l cross join grow_location g where l.fulfilled
        ) m
        order by at`,
    );
    await step("levels from the ledger", () => levelsFromLedger(tx));
  });
  // As autovacuum leaves a year-old shop's tables (it vacuums after inserts too): hint bits set, pages all-visible.
  await step("vacuum", () => sql`vacuum analyze`);
  return size;
}

/**
 * `count` live holds (one unit each, five to a checkout) on the shop's variants with free units, through new
 * active checkouts of new guest shoppers, each with its ledger row and a restock of the unit it holds (so free
 * stock stays as it was); `lapsed` makes their time already up, for the sweep to release.
 */
export async function addLiveHolds(sql: Sql, count: number, options: { lapsed?: boolean } = {}): Promise<void> {
  const checkoutsNeeded = Math.ceil(count / 5);
  const ends = options.lapsed ? sql`now() - interval '1 minute'` : sql`now() + interval '1 day'`;
  await sql.begin(async (tx) => {
    await tx`create temporary table live_variants on commit drop as
      select row_number() over (order by s.variant_id) - 1 as n, s.variant_id, s.product_id, s.location_id, v.price_cents
      from stock_levels s join product_variants v on v.id = s.variant_id
      join locations l on l.id = s.location_id and l.active
      where v.retired_at is null`;
    const [{ variants }] = (await tx`select count(*)::int as variants from live_variants`) as unknown as [{ variants: number }];
    if (variants < 5) throw new Error("addLiveHolds needs at least 5 stock rows");
    await tx`create temporary table live_holds on commit drop as
      with shopper as (
        insert into users (kind) select 'guest' from generate_series(1, ${checkoutsNeeded}::int) returning id
      ), cart as (
        insert into carts (shopper_id) select id from shopper returning id, shopper_id
      ), numbered as (
        select row_number() over (order by id) - 1 as c, gen_random_uuid() as checkout_id, id as cart_id, shopper_id from cart
      )
      select n.c, n.checkout_id, n.cart_id, n.shopper_id, v.variant_id, v.product_id, v.location_id, v.price_cents
      from numbered n cross join generate_series(0, 4) j
      join live_variants v on v.n = (n.c * 5 + j) % ${variants}::int
      where n.c * 5 + j < ${count}::int`;
    await tx`
      insert into checkouts (id, cart_id, shopper_id, status, total_cents, expires_at, hard_expires_at)
      select checkout_id, cart_id, shopper_id, 'active', sum(price_cents), ${ends}, greatest(${ends}, now())
      from live_holds group by checkout_id, cart_id, shopper_id`;
    await tx`
      insert into reservations (checkout_id, shopper_id, product_id, variant_id, location_id, quantity, unit_price_cents, expires_at)
      select checkout_id, shopper_id, product_id, variant_id, location_id, 1, price_cents, ${ends} from live_holds`;
    await tx`
      insert into stock_movements (product_id, variant_id, location_id, kind, on_hand_delta, reserved_delta, reason, checkout_id)
      select product_id, variant_id, location_id, 'receive', count(*)::int, 0, 'restock', null from live_holds
      group by product_id, variant_id, location_id
      union all
      select product_id, variant_id, location_id, 'reserve', 0, 1, null, checkout_id from live_holds`;
    await tx`
      update stock_levels s set on_hand = s.on_hand + h.units, reserved = s.reserved + h.units
      from (select variant_id, location_id, count(*)::int as units from live_holds group by variant_id, location_id) h
      where h.variant_id = s.variant_id and h.location_id = s.location_id`;
  });
}

/**
 * The last hours of a busy day, the same in every shop measured: `products` products (bench-1, bench-2, …) each
 * restocked a unit at a time, `changesEach` times, one a minute, and the first `busiest` times. The ledger's pages
 * then draw as many points and rows in a fresh shop as in a grown one, so the two compare what history costs,
 * not how much a page draws.
 */
export async function addRecentActivity(sql: Sql, options: { products?: number; changesEach?: number; busiest?: number } = {}): Promise<void> {
  const products = options.products ?? 30;
  const changesEach = options.changesEach ?? 80;
  const busiest = options.busiest ?? 300;
  await sql.begin(async (tx) => {
    await tx`create temporary table recent_rows on commit drop as
      select s.product_id, s.variant_id, s.location_id, g as n
      from products p
      join lateral (select variant_id, product_id, location_id from stock_levels s where s.product_id = p.id
                    order by location_id = (select id from locations where active order by priority, id limit 1) desc, variant_id limit 1) s on true
      cross join lateral generate_series(1, case when p.slug = 'bench-1' then ${busiest}::int else ${changesEach}::int end) g
      where p.slug = any(select 'bench-' || i from generate_series(1, ${products}::int) i)`;
    await tx`
      insert into stock_movements (product_id, variant_id, location_id, kind, on_hand_delta, reason, created_at)
      select product_id, variant_id, location_id, 'receive', 1, 'restock', now() - n * interval '1 minute'
      from recent_rows order by n desc, product_id`;
    await tx`
      update stock_levels s set on_hand = s.on_hand + r.units
      from (select variant_id, location_id, count(*)::int as units from recent_rows group by variant_id, location_id) r
      where r.variant_id = s.variant_id and r.location_id = s.location_id`;
  });
}
