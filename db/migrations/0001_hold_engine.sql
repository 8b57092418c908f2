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
-- records its shopper. requests: [{ "cartId", "shopperId", "email" }]. Returns one result per request, in order:
--   { "outcome": "held" | "existing", "checkoutId" }
--   { "outcome": "insufficient_stock", "lines": [{ "productId", "requested", "available" }] }
--   { "outcome": "empty_cart" | "not_found" | "line_limit" }
CREATE FUNCTION stockhold_start_checkouts(
  requests jsonb, ttl_seconds integer, max_seconds integer, max_per_line integer
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  cart_ids uuid[];
  product_ids uuid[];
  free jsonb := '{}';   -- product id -> units free right now, kept current as this batch holds and releases
  taken jsonb := '{}';  -- product id -> net units this batch added to `reserved`
  results jsonb := '[]';
  req jsonb;
  line record;
  cart_lines_json jsonb;
  shortages jsonb;
  v_cart uuid;
  v_shopper uuid;
  v_existing uuid;
  v_checkout uuid;
  v_expires timestamptz := now() + make_interval(secs => least(ttl_seconds, max_seconds));
  v_hard timestamptz := now() + make_interval(secs => max_seconds);
BEGIN
  SELECT array_agg(DISTINCT (r ->> 'cartId')::uuid) INTO cart_ids FROM jsonb_array_elements(requests) r;

  -- Lock order, the same everywhere: carts, then checkouts, then stock rows by product id.
  -- NO KEY UPDATE, not UPDATE: a transaction that updates a checkout row twice (activity, payment) re-checks its
  -- foreign key with FOR KEY SHARE on the cart while holding the checkout's lock; FOR UPDATE here would wait for
  -- that checkout while blocking that check: a deadlock.
  PERFORM 1 FROM carts WHERE id = ANY(cart_ids) ORDER BY id FOR NO KEY UPDATE;
  PERFORM 1 FROM checkouts WHERE cart_id = ANY(cart_ids) AND status = 'active' ORDER BY id FOR UPDATE;

  SELECT array_agg(pid ORDER BY pid) INTO product_ids FROM (
    SELECT product_id AS pid FROM cart_lines WHERE cart_id = ANY(cart_ids)
    UNION
    SELECT r.product_id FROM reservations r JOIN checkouts c ON c.id = r.checkout_id
    WHERE c.cart_id = ANY(cart_ids) AND c.status = 'active' AND r.status = 'active'
  ) p;

  IF product_ids IS NOT NULL THEN
    PERFORM 1 FROM stock_levels WHERE product_id = ANY(product_ids) ORDER BY product_id FOR UPDATE;
    -- Holds whose time is up stop counting here and now, whether or not any cron has run.
    PERFORM stockhold_expire_stale_holds_locked(product_ids);
    SELECT coalesce(jsonb_object_agg(product_id, on_hand - reserved - allocated), '{}') INTO free
    FROM stock_levels WHERE product_id = ANY(product_ids);
  END IF;

  FOR req IN SELECT value FROM jsonb_array_elements(requests) LOOP
    v_cart := (req ->> 'cartId')::uuid;
    v_shopper := (req ->> 'shopperId')::uuid;

    IF NOT EXISTS (SELECT 1 FROM carts WHERE id = v_cart AND shopper_id = v_shopper) THEN
      results := results || jsonb_build_array(jsonb_build_object('outcome', 'not_found'));
      CONTINUE;
    END IF;

    SELECT coalesce(jsonb_agg(jsonb_build_object(
             'productId', l.product_id, 'quantity', l.quantity, 'unitPriceCents', p.price_cents)
             ORDER BY l.product_id), '[]')
      INTO cart_lines_json
      FROM cart_lines l JOIN products p ON p.id = l.product_id
     WHERE l.cart_id = v_cart;

    IF jsonb_array_length(cart_lines_json) = 0 THEN
      results := results || jsonb_build_array(jsonb_build_object('outcome', 'empty_cart'));
      CONTINUE;
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_array_elements(cart_lines_json) l WHERE (l ->> 'quantity')::int > max_per_line) THEN
      results := results || jsonb_build_array(jsonb_build_object('outcome', 'line_limit'));
      CONTINUE;
    END IF;

    SELECT id INTO v_existing FROM checkouts WHERE cart_id = v_cart AND status = 'active';
    IF v_existing IS NOT NULL THEN
      -- Same cart, hold still whole and in time: hand back that checkout instead of holding twice.
      IF (SELECT expires_at > now() FROM checkouts WHERE id = v_existing)
         AND NOT EXISTS (SELECT 1 FROM reservations WHERE checkout_id = v_existing AND status <> 'active')
         AND (SELECT jsonb_agg(jsonb_build_array(product_id, quantity) ORDER BY product_id)
                FROM reservations WHERE checkout_id = v_existing)
           = (SELECT jsonb_agg(jsonb_build_array((l ->> 'productId')::uuid, (l ->> 'quantity')::int)
                               ORDER BY (l ->> 'productId')::uuid)
                FROM jsonb_array_elements(cart_lines_json) l)
      THEN
        results := results || jsonb_build_array(jsonb_build_object('outcome', 'existing', 'checkoutId', v_existing));
        CONTINUE;
      END IF;
      -- The cart changed since (or the hold lapsed): give back what the old checkout still holds.
      FOR line IN
        UPDATE reservations SET status = 'released', ended_at = now()
        WHERE checkout_id = v_existing AND status = 'active'
        RETURNING product_id, quantity
      LOOP
        free := jsonb_set(free, ARRAY[line.product_id::text], to_jsonb((free ->> line.product_id::text)::int + line.quantity));
        taken := jsonb_set(taken, ARRAY[line.product_id::text],
                           to_jsonb(coalesce((taken ->> line.product_id::text)::int, 0) - line.quantity));
        INSERT INTO stock_movements (product_id, kind, reserved_delta, checkout_id, actor_id, reason)
        VALUES (line.product_id, 'release', -line.quantity, v_existing, v_shopper, 'cart changed: checkout restarted');
      END LOOP;
      UPDATE checkouts
         SET status = CASE WHEN expires_at <= now() THEN 'expired' ELSE 'cancelled' END, ended_at = now()
       WHERE id = v_existing;
    END IF;

    SELECT coalesce(jsonb_agg(jsonb_build_object(
             'productId', l ->> 'productId',
             'requested', (l ->> 'quantity')::int,
             'available', greatest(0, coalesce((free ->> (l ->> 'productId'))::int, 0)))), '[]')
      INTO shortages
      FROM jsonb_array_elements(cart_lines_json) l
     WHERE (l ->> 'quantity')::int > coalesce((free ->> (l ->> 'productId'))::int, 0);

    IF jsonb_array_length(shortages) > 0 THEN
      results := results || jsonb_build_array(jsonb_build_object('outcome', 'insufficient_stock', 'lines', shortages));
      CONTINUE;
    END IF;

    INSERT INTO checkouts (cart_id, shopper_id, email, total_cents, started_at, expires_at, hard_expires_at)
    SELECT v_cart, v_shopper, req ->> 'email',
           sum((l ->> 'quantity')::int * (l ->> 'unitPriceCents')::int), now(), v_expires, v_hard
      FROM jsonb_array_elements(cart_lines_json) l
    RETURNING id INTO v_checkout;

    FOR line IN
      SELECT (l ->> 'productId')::uuid AS product_id, (l ->> 'quantity')::int AS quantity,
             (l ->> 'unitPriceCents')::int AS unit_price_cents
        FROM jsonb_array_elements(cart_lines_json) l
    LOOP
      free := jsonb_set(free, ARRAY[line.product_id::text], to_jsonb((free ->> line.product_id::text)::int - line.quantity));
      taken := jsonb_set(taken, ARRAY[line.product_id::text],
                         to_jsonb(coalesce((taken ->> line.product_id::text)::int, 0) + line.quantity));
    END LOOP;

    INSERT INTO reservations (checkout_id, shopper_id, product_id, quantity, unit_price_cents, expires_at)
    SELECT v_checkout, v_shopper, (l ->> 'productId')::uuid, (l ->> 'quantity')::int, (l ->> 'unitPriceCents')::int, v_expires
      FROM jsonb_array_elements(cart_lines_json) l;
    INSERT INTO stock_movements (product_id, kind, reserved_delta, checkout_id, actor_id, reason)
    SELECT (l ->> 'productId')::uuid, 'reserve', (l ->> 'quantity')::int, v_checkout, v_shopper, 'checkout started'
      FROM jsonb_array_elements(cart_lines_json) l;

    results := results || jsonb_build_array(jsonb_build_object('outcome', 'held', 'checkoutId', v_checkout));
  END LOOP;

  -- One write per stock row for the whole batch; the CHECK constraints still refuse any oversell.
  UPDATE stock_levels s SET reserved = s.reserved + t.value::int, updated_at = now()
    FROM jsonb_each_text(taken) t
   WHERE s.product_id = t.key::uuid AND t.value::int <> 0;

  RETURN results;
END $$;
