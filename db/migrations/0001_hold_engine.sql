-- The stock ledger is append-only: history is corrected by new rows, never rewritten.
CREATE FUNCTION stockhold_refuse_ledger_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'stock_movements is append-only' USING ERRCODE = 'restrict_violation';
END $$;
--> statement-breakpoint
CREATE TRIGGER stock_movements_append_only BEFORE UPDATE OR DELETE ON stock_movements
  FOR EACH ROW EXECUTE FUNCTION stockhold_refuse_ledger_change();
--> statement-breakpoint
-- TRUNCATE fires no row triggers: refuse it separately.
CREATE TRIGGER stock_movements_no_truncate BEFORE TRUNCATE ON stock_movements
  FOR EACH STATEMENT EXECUTE FUNCTION stockhold_refuse_ledger_change();
--> statement-breakpoint

-- Releases the holds on these products whose time is up. The caller must already hold the products'
-- stock_levels row locks. A hold whose row another transaction has locked is skipped: only the holder of its
-- checkout's lock touches it (to extend, pay or release it), so waiting for it could deadlock.
-- Returns how many holds it expired.
CREATE FUNCTION stockhold_expire_stale_holds_locked(product_ids uuid[]) RETURNS integer
LANGUAGE sql AS $$
  WITH stale AS (
    UPDATE reservations SET status = 'expired', ended_at = now()
    WHERE id IN (
      SELECT id FROM reservations
      WHERE product_id = ANY(product_ids) AND status = 'active' AND expires_at <= now()
      FOR UPDATE SKIP LOCKED
    )
    RETURNING product_id, quantity, checkout_id
  ), ledger AS (
    INSERT INTO stock_movements (product_id, kind, reserved_delta, checkout_id, reason)
    SELECT product_id, 'expire', -quantity, checkout_id, 'hold expired' FROM stale
  ), per_product AS (
    SELECT product_id, sum(quantity)::integer AS quantity FROM stale GROUP BY product_id
  ), levels AS (
    UPDATE stock_levels s SET reserved = s.reserved - p.quantity, updated_at = now()
    FROM per_product p WHERE s.product_id = p.product_id
  )
  SELECT count(*)::integer FROM stale;
$$;
--> statement-breakpoint

-- Starts checkout for a batch of shoppers in one transaction and one round trip, so a hot product's stock row
-- is locked once for many shoppers instead of once each. Each request is still all-or-nothing and each hold
-- records its shopper. requests: [{ "shopperId", "email", "cartId"? }] (without cartId: the shopper's cart).
-- Returns { "serverTime", "outcomes": [one per request, in order] }, an outcome being one of
--   { "outcome": "held" | "existing", "checkoutId", "checkout": { the checkout as its shopper sees it } }
--   { "outcome": "insufficient_stock", "lines": [{ "productId", "requested", "available" }] }
--   { "outcome": "empty_cart" | "not_found" | "line_limit" }
-- Whatever does not depend on stock (carts, prices, the current checkout, the answers to send) is worked out
-- before the stock rows are locked; under their lock run a few set-based statements per batch, none per shopper.
-- Every statement here reaches its rows by key, through an index. So plans are made once per connection and
-- kept (force_generic_plan: no planning on each call), and a plan may never scan a whole table (enable_seqscan
-- off), even one made before the tables had statistics.
CREATE FUNCTION stockhold_start_checkouts(
  requests jsonb, ttl_seconds integer, max_seconds integer, max_per_line integer
) RETURNS jsonb LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
DECLARE
  v_expires timestamptz := now() + make_interval(secs => least(ttl_seconds, max_seconds));
  v_hard timestamptz := now() + make_interval(secs => max_seconds);
  v_shoppers uuid[];      -- per request, in order
  v_cart_args uuid[];
  v_emails text[];
  v_cart_ids uuid[];      -- the locked carts, and whose they are
  v_cart_owners uuid[];
  v_product_ids uuid[];
  v_restart_ids uuid[];
  v_plan jsonb;           -- per request, in order: what it asks for and the answer it gets if held
  v_free jsonb := '{}';   -- product id -> units free right now, kept current as this batch holds and releases
  v_free_before jsonb := '{}';
  v_released jsonb := '{}';
  v_changed_ids uuid[];   -- stock rows whose `reserved` this batch changes, and by how much
  v_changed_by integer[];
  v_held boolean[] := '{}';
  v_out jsonb[] := '{}';
  v_entry jsonb;
  v_line jsonb;
  v_short jsonb;
  v_pid text;
  v_n integer;
  v_first integer;
BEGIN
  SELECT array_agg((r ->> 'shopperId')::uuid ORDER BY n), array_agg(nullif(r ->> 'cartId', '')::uuid ORDER BY n),
         array_agg(r ->> 'email' ORDER BY n)
    INTO v_shoppers, v_cart_args, v_emails
    FROM jsonb_array_elements(requests) WITH ORDINALITY x(r, n);
  IF v_shoppers IS NULL THEN
    RETURN jsonb_build_object('serverTime', clock_timestamp(), 'outcomes', '[]'::jsonb);
  END IF;

  -- Lock order, the same everywhere: carts, then checkouts, then stock rows by product id.
  -- NO KEY UPDATE, not UPDATE: a transaction that updates a checkout row twice (activity, payment) re-checks its
  -- foreign key with FOR KEY SHARE on the cart while holding the checkout's lock; FOR UPDATE here would wait for
  -- that checkout while blocking that check: a deadlock.
  SELECT array_agg(id), array_agg(shopper_id) INTO v_cart_ids, v_cart_owners FROM (
    SELECT id, shopper_id FROM carts WHERE shopper_id = ANY(v_shoppers) ORDER BY id FOR NO KEY UPDATE
  ) c;
  PERFORM 1 FROM checkouts WHERE cart_id = ANY(v_cart_ids) AND status = 'active' ORDER BY id FOR UPDATE;

  -- The plan. "first" is the first request of the batch for the same cart: a repeat (a double click) gets the
  -- first one's answer.
  WITH req AS (
    SELECT r.n::int AS n, r.shopper_id, r.cart_arg, r.email, c.cart_id,
           CASE WHEN c.cart_id IS NULL THEN r.n::int ELSE (min(r.n) OVER (PARTITION BY c.cart_id))::int END AS first_n
    FROM unnest(v_shoppers, v_cart_args, v_emails) WITH ORDINALITY r(shopper_id, cart_arg, email, n)
    LEFT JOIN unnest(v_cart_ids, v_cart_owners) c(cart_id, owner)
      ON c.owner = r.shopper_id AND (r.cart_arg IS NULL OR r.cart_arg = c.cart_id)
  ), cart AS (
    SELECT l.cart_id,
           jsonb_agg(jsonb_build_object('productId', l.product_id, 'quantity', l.quantity,
                                        'unitPriceCents', p.price_cents) ORDER BY l.product_id) AS lines,
           jsonb_agg(jsonb_build_object('productId', l.product_id, 'slug', p.slug, 'name', p.name,
                                        'quantity', l.quantity, 'unitPriceCents', p.price_cents) ORDER BY p.name) AS view_lines,
           sum(l.quantity * p.price_cents)::int AS total_cents,
           max(l.quantity) AS largest
    FROM unnest(v_cart_ids) k(cart_id)
    JOIN cart_lines l ON l.cart_id = k.cart_id
    JOIN products p ON p.id = l.product_id
    GROUP BY l.cart_id
  ), current_checkout AS (
    SELECT c.*,
           -- Still whole and in time, holding exactly the cart's lines: the same checkout, not a new one.
           (c.expires_at > now()
            AND NOT EXISTS (SELECT 1 FROM reservations r WHERE r.checkout_id = c.id AND r.status <> 'active')
            AND NOT EXISTS (
              (SELECT product_id, quantity FROM reservations WHERE checkout_id = c.id
               EXCEPT SELECT product_id, quantity FROM cart_lines WHERE cart_id = c.cart_id)
              UNION ALL
              (SELECT product_id, quantity FROM cart_lines WHERE cart_id = c.cart_id
               EXCEPT SELECT product_id, quantity FROM reservations WHERE checkout_id = c.id))) AS reusable,
           (SELECT array_agg(r.product_id) FROM reservations r WHERE r.checkout_id = c.id AND r.status = 'active')
             AS held_products
    FROM checkouts c
    WHERE c.cart_id = ANY(v_cart_ids) AND c.status = 'active'
  ), planned AS (
    SELECT r.*, cart.lines, cart.view_lines, cart.total_cents, cur AS current_row, gen_random_uuid() AS new_id,
           CASE
             WHEN r.cart_id IS NULL AND r.cart_arg IS NOT NULL THEN 'not_found'
             WHEN cart.lines IS NULL THEN 'empty_cart'
             WHEN cart.largest > max_per_line THEN 'line_limit'
             WHEN cur.reusable THEN 'existing'
             ELSE 'hold'
           END AS kind
    FROM req r
    LEFT JOIN cart ON cart.cart_id = r.cart_id
    LEFT JOIN current_checkout cur ON cur.cart_id = r.cart_id
  )
  SELECT jsonb_agg(jsonb_build_object(
           'n', n, 'first', first_n, 'kind', kind, 'cartId', cart_id, 'shopperId', shopper_id, 'email', email,
           'lines', coalesce(lines, '[]'), 'totalCents', total_cents,
           'restart', CASE WHEN kind = 'hold' THEN (current_row).id END,
           'restartProducts', coalesce(to_jsonb(CASE WHEN kind = 'hold' THEN (current_row).held_products END), '[]'),
           'result', CASE
             WHEN kind = 'existing' THEN jsonb_build_object(
               'outcome', 'existing', 'checkoutId', (current_row).id,
               'checkout', jsonb_build_object(
                 'id', (current_row).id, 'status', 'active', 'total_cents', (current_row).total_cents,
                 'email', (current_row).email, 'details', (current_row).details,
                 'started_at', (current_row).started_at, 'expires_at', (current_row).expires_at,
                 'hard_expires_at', (current_row).hard_expires_at, 'order_id', NULL,
                 'lines', (SELECT jsonb_agg(jsonb_build_object(
                                   'productId', h.product_id, 'slug', p.slug, 'name', p.name,
                                   'quantity', h.quantity, 'unitPriceCents', h.unit_price_cents) ORDER BY p.name)
                             FROM reservations h JOIN products p ON p.id = h.product_id
                            WHERE h.checkout_id = (current_row).id)))
             WHEN kind = 'hold' THEN jsonb_build_object(
               'outcome', 'held', 'checkoutId', new_id,
               'checkout', jsonb_build_object(
                 'id', new_id, 'status', 'active', 'total_cents', total_cents, 'email', email,
                 'details', '{}'::jsonb, 'started_at', now(), 'expires_at', v_expires,
                 'hard_expires_at', v_hard, 'order_id', NULL, 'lines', view_lines))
             ELSE jsonb_build_object('outcome', kind)
           END) ORDER BY n)
    INTO v_plan
    FROM planned;

  -- The stock rows to lock: what the holding requests want, and what the checkouts they replace still hold.
  SELECT array_agg(DISTINCT product_id ORDER BY product_id), array_agg(DISTINCT restart) FILTER (WHERE restart IS NOT NULL)
    INTO v_product_ids, v_restart_ids
    FROM (
      SELECT (l ->> 'productId')::uuid AS product_id, (e ->> 'restart')::uuid AS restart
        FROM jsonb_array_elements(v_plan) e, jsonb_array_elements(e -> 'lines') l
       WHERE e ->> 'kind' = 'hold' AND e -> 'n' = e -> 'first'
      UNION ALL
      SELECT p::uuid, (e ->> 'restart')::uuid
        FROM jsonb_array_elements(v_plan) e, jsonb_array_elements_text(e -> 'restartProducts') p
       WHERE e ->> 'kind' = 'hold' AND e -> 'n' = e -> 'first'
    ) wanted;

  IF v_product_ids IS NOT NULL THEN
    -- From here to commit the stock rows are locked.
    PERFORM 1 FROM stock_levels WHERE product_id = ANY(v_product_ids) ORDER BY product_id FOR UPDATE;
    -- Holds whose time is up stop counting here and now, whether or not any cron has run.
    PERFORM stockhold_expire_stale_holds_locked(v_product_ids);
    SELECT coalesce(jsonb_object_agg(product_id, on_hand - reserved - allocated), '{}') INTO v_free
      FROM stock_levels WHERE product_id = ANY(v_product_ids);
    v_free_before := v_free;
  END IF;

  IF v_restart_ids IS NOT NULL THEN
    -- The cart changed since (or the hold lapsed): give back what the old checkouts still hold.
    WITH freed AS (
      UPDATE reservations SET status = 'released', ended_at = now()
      WHERE checkout_id = ANY(v_restart_ids) AND status = 'active'
      RETURNING checkout_id, shopper_id, product_id, quantity
    ), ledger AS (
      INSERT INTO stock_movements (product_id, kind, reserved_delta, checkout_id, actor_id, reason)
      SELECT product_id, 'release', -quantity, checkout_id, shopper_id, 'cart changed: checkout restarted' FROM freed
    ), ended AS (
      UPDATE checkouts SET status = CASE WHEN expires_at <= now() THEN 'expired' ELSE 'cancelled' END, ended_at = now()
      WHERE id = ANY(v_restart_ids)
    )
    SELECT coalesce(jsonb_object_agg(product_id, quantity), '{}') INTO v_released
      FROM (SELECT product_id, sum(quantity)::int AS quantity FROM freed GROUP BY product_id) f;
    SELECT v_free || coalesce(jsonb_object_agg(f.key, coalesce((v_free ->> f.key)::int, 0) + f.value::int), '{}')
      INTO v_free
      FROM jsonb_each_text(v_released) f;
  END IF;

  -- Each cart all or nothing, in request order: arithmetic on v_free, no statement per shopper.
  FOR i IN 0 .. jsonb_array_length(v_plan) - 1 LOOP
    v_entry := v_plan -> i;
    v_n := i + 1;
    v_first := (v_entry ->> 'first')::int;
    IF v_first <> v_n THEN
      -- A repeat for the same cart: the first one's answer; a hold it made just now is an existing checkout.
      v_out[v_n] := CASE WHEN v_out[v_first] ->> 'outcome' = 'held'
                         THEN jsonb_set(v_out[v_first], '{outcome}', '"existing"') ELSE v_out[v_first] END;
      CONTINUE;
    END IF;
    IF v_entry ->> 'kind' <> 'hold' THEN
      v_out[v_n] := v_entry -> 'result';
      CONTINUE;
    END IF;
    v_short := '[]';
    FOR j IN 0 .. jsonb_array_length(v_entry -> 'lines') - 1 LOOP
      v_line := v_entry -> 'lines' -> j;
      v_pid := v_line ->> 'productId';
      IF (v_line ->> 'quantity')::int > coalesce((v_free ->> v_pid)::int, 0) THEN
        v_short := v_short || jsonb_build_object('productId', v_pid, 'requested', (v_line ->> 'quantity')::int,
                                                 'available', greatest(0, coalesce((v_free ->> v_pid)::int, 0)));
      END IF;
    END LOOP;
    IF jsonb_array_length(v_short) > 0 THEN
      v_out[v_n] := jsonb_build_object('outcome', 'insufficient_stock', 'lines', v_short);
      CONTINUE;
    END IF;
    FOR j IN 0 .. jsonb_array_length(v_entry -> 'lines') - 1 LOOP
      v_line := v_entry -> 'lines' -> j;
      v_pid := v_line ->> 'productId';
      v_free := jsonb_set(v_free, ARRAY[v_pid], to_jsonb((v_free ->> v_pid)::int - (v_line ->> 'quantity')::int));
    END LOOP;
    v_held[v_n] := true;
    v_out[v_n] := v_entry -> 'result';
  END LOOP;

  -- What was given back or taken from each stock row is what its free units moved by.
  SELECT array_agg(key::uuid), array_agg((v_free_before ->> key)::int - value::int)
    INTO v_changed_ids, v_changed_by
    FROM jsonb_each_text(v_free)
   WHERE (v_free_before ->> key)::int <> value::int;

  IF true = ANY(v_held) OR v_changed_ids IS NOT NULL THEN
    -- The whole batch's rows in one statement, one write per stock row; the CHECK constraints still refuse
    -- any oversell. Ledger rows go in request order, the order the holds were granted.
    WITH granted AS (
      SELECT e.value AS entry, e.n FROM jsonb_array_elements(v_plan) WITH ORDINALITY e(value, n)
      WHERE v_held[e.n::int]
    ), new_checkout AS (
      INSERT INTO checkouts (id, cart_id, shopper_id, email, total_cents, started_at, expires_at, hard_expires_at)
      SELECT (entry #>> '{result,checkoutId}')::uuid, (entry ->> 'cartId')::uuid, (entry ->> 'shopperId')::uuid,
             entry ->> 'email', (entry ->> 'totalCents')::int, now(), v_expires, v_hard
        FROM granted ORDER BY n
    ), granted_line AS (
      SELECT g.n, (g.entry #>> '{result,checkoutId}')::uuid AS checkout_id, (g.entry ->> 'shopperId')::uuid AS shopper_id,
             (l ->> 'productId')::uuid AS product_id, (l ->> 'quantity')::int AS quantity,
             (l ->> 'unitPriceCents')::int AS unit_price_cents
        FROM granted g, jsonb_array_elements(g.entry -> 'lines') l
    ), hold AS (
      INSERT INTO reservations (checkout_id, shopper_id, product_id, quantity, unit_price_cents, expires_at)
      SELECT checkout_id, shopper_id, product_id, quantity, unit_price_cents, v_expires
        FROM granted_line ORDER BY n, product_id
    ), ledger AS (
      INSERT INTO stock_movements (product_id, kind, reserved_delta, checkout_id, actor_id, reason)
      SELECT product_id, 'reserve', quantity, checkout_id, shopper_id, 'checkout started'
        FROM granted_line ORDER BY n, product_id
    )
    UPDATE stock_levels s SET reserved = s.reserved + d.quantity, updated_at = now()
      FROM unnest(v_changed_ids, v_changed_by) d(product_id, quantity)
     WHERE s.product_id = d.product_id;
  END IF;

  RETURN jsonb_build_object('serverTime', clock_timestamp(), 'outcomes', to_jsonb(v_out));
END $$;
