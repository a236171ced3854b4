import pg from 'pg';
import { newId } from '../../src/core/ids.ts';
import { percentile } from './unlock-baseline.ts';

export interface BareSku {
  skuId: string;
  productId: string;
  shopId: string;
  title: string;
  priceMinor: number;
  currency: string;
}

export interface BareRun {
  ordersPerSecond: number;
  orders: number;
  insufficient: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  /** From the start until the last unit was sold. */
  sellOutSeconds: number;
}

/**
 * The platform's own checkout transaction, statement for statement (`bench:checkout` prints the
 * app's recorded SQL below this list to compare): the pending payment, the order and its line, then
 * in a savepoint the hold and the conditional stock UPDATE, which a loser finds short and rolls back. What the
 * platform adds around it (HTTP, bearer auth, the idempotency key, SKU and shipping reads, the
 * attribution lookup, the payment intent and the order view) is the difference.
 */
export const BASELINE_STATEMENTS = [
  'BEGIN',
  'INSERT INTO payments … ON CONFLICT (purpose, reference) DO NOTHING RETURNING *',
  'INSERT INTO orders … RETURNING *',
  'INSERT INTO order_lines … RETURNING *',
  'SAVEPOINT sp1',
  'INSERT INTO stock_reservations … ON CONFLICT (reference, sku_id) DO NOTHING RETURNING id',
  "UPDATE skus SET available − 1, reserved + 1 WHERE id AND available >= 1 AND product active RETURNING id (none: ROLLBACK, 'insufficient')",
  'RELEASE SAVEPOINT sp1',
  'COMMIT',
];

const ADDRESS = JSON.stringify({ name: 'Bench', line1: '1 Road', city: 'Shanghai', postcode: '200001', country: 'CN', phone: '+86 0000' });

async function checkoutOnce(client: pg.PoolClient, sku: BareSku, userId: string): Promise<'ordered' | 'insufficient'> {
  await client.query('BEGIN');
  try {
    const orderId = newId('order');
    const checkoutId = newId('checkout');
    const paymentId = newId('payment');
    await client.query(
      `INSERT INTO payments (id, purpose, reference, user_id, amount_minor, currency, description, provider) VALUES ($1, 'order', $2, $3, $4, $5, $6, 'sandbox')
        ON CONFLICT (purpose, reference) DO NOTHING RETURNING *`,
      [paymentId, checkoutId, userId, sku.priceMinor, sku.currency, `Order ${orderId}`],
    );
    await client.query(
      `INSERT INTO orders (id, checkout_id, payment_id, user_id, shop_id, currency, subtotal_minor, shipping_minor, total_minor, address, reserved_until, created_at, updated_at)
        VALUES ($1, $2, $8, $3, $4, $5, $6, 0, $6, $7, now() + interval '15 minutes', now(), now()) RETURNING *`,
      [orderId, checkoutId, userId, sku.shopId, sku.currency, sku.priceMinor, ADDRESS, paymentId],
    );
    await client.query(
      `INSERT INTO order_lines (id, order_id, sku_id, product_id, title, options, unit_price_minor, quantity, line_total_minor) VALUES ($1, $2, $3, $4, $5, '{}', $6, 1, $6) RETURNING *`,
      [newId('orderLine'), orderId, sku.skuId, sku.productId, sku.title, sku.priceMinor],
    );
    await client.query('SAVEPOINT sp1');
    await client.query(
      `INSERT INTO stock_reservations (id, reference, sku_id, quantity, expires_at, created_at, updated_at) VALUES ($1, $2, $3, 1, now() + interval '20 minutes', now(), now())
        ON CONFLICT (reference, sku_id) DO NOTHING RETURNING id`,
      [newId('reservation'), orderId, sku.skuId],
    );
    const moved = await client.query(
      `UPDATE skus SET stock_available = stock_available - 1, stock_reserved = stock_reserved + 1, updated_at = now()
        WHERE id = $1 AND stock_available >= 1
          AND EXISTS (SELECT 1 FROM products WHERE products.id = skus.product_id AND products.status = 'active')
        RETURNING id`,
      [sku.skuId],
    );
    if (moved.rowCount === 0) {
      await client.query('ROLLBACK');
      return 'insufficient';
    }
    await client.query('RELEASE SAVEPOINT sp1');
    await client.query('COMMIT');
    return 'ordered';
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

/** `buyers.length` checkouts of one unit each from `connections` connections, as fast as they go. */
export async function runBareCheckouts(url: string, sku: BareSku, buyers: string[], connections: number): Promise<BareRun> {
  const pool = new pg.Pool({ connectionString: url, max: connections });
  const clients = await Promise.all(Array.from({ length: connections }, () => pool.connect()));
  const latencies: number[] = [];
  let next = 0;
  let orders = 0;
  let insufficient = 0;
  let failed = 0;
  let lastOrderAt = 0;
  const from = performance.now();
  try {
    await Promise.all(
      clients.map(async (client) => {
        for (;;) {
          const userId = buyers[next++];
          if (!userId) return;
          const started = performance.now();
          try {
            const outcome = await checkoutOnce(client, sku, userId);
            if (outcome === 'ordered') {
              orders += 1;
              lastOrderAt = performance.now();
            }
            else insufficient += 1;
            latencies.push(performance.now() - started);
          } catch {
            failed += 1;
          }
        }
      }),
    );
  } finally {
    for (const client of clients) client.release();
    await pool.end();
  }
  const seconds = (performance.now() - from) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  return { ordersPerSecond: orders / seconds, orders, insufficient, failed, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), sellOutSeconds: (lastOrderAt - from) / 1000 };
}
