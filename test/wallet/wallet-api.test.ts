import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpApp } from '../../src/http/types.ts';
import type { WalletService } from '../../src/modules/wallet/service.ts';
import { startTestPlatform, TestClient, type TestPlatform } from '../support/app.ts';

let t: TestPlatform;
let app: HttpApp;
let wallet: WalletService;

beforeAll(async () => {
  t = await startTestPlatform({ WALLET_DEFAULT_DAILY_CAP: '500' });
  app = t.app;
  wallet = t.platform.modules.wallet.service;
});
afterAll(async () => t.close());

describe('wallet API', () => {
  it('needs a signed-in caller', async () => {
    const anonymous = new TestClient(app);
    expect((await anonymous.get('/api/v1/wallet')).statusCode).toBe(401);
  });

  it('shows balances, the operator default cap and packs; checks in once a day; sets caps; lists history', async () => {
    const viewer = await new TestClient(app).signUp('viewer');
    const userId = viewer.userId ?? '';
    let page = (await viewer.get('/api/v1/wallet')).json<{ balances: { total: number }; caps: { dailyCoins: number | null; isDefault: boolean }; packs: { id: string }[]; checkIn: { checkedInToday: boolean } }>();
    expect(page.balances.total).toBe(0);
    expect(page.caps).toMatchObject({ dailyCoins: 500, isDefault: true });
    expect(page.packs.map((p) => p.id)).toContain('pack_500');
    expect(page.checkIn.checkedInToday).toBe(false);

    const first = await viewer.post('/api/v1/wallet/check-in');
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ checkedIn: true, coins: 10, balances: { bonus: 10 } });
    const second = await viewer.post('/api/v1/wallet/check-in');
    expect(second.json()).toMatchObject({ checkedIn: false, alreadyCheckedIn: true, balances: { bonus: 10 } });

    const caps = await viewer.put('/api/v1/wallet/caps', { dailyCoins: 20, monthlyCoins: null });
    expect(caps.statusCode).toBe(200);
    expect(caps.json()).toMatchObject({ dailyCoins: 20, monthlyCoins: null, isDefault: false });
    expect((await viewer.put('/api/v1/wallet/caps', { dailyCoins: -1, monthlyCoins: null })).statusCode).toBe(400);

    await wallet.creditPaidCoins(undefined, { userId, coins: 100, reference: 'pay_test' });
    await wallet.spend({ userId, coins: 15, reference: 'ep_1', studioId: 'org_x', reason: 'Episode 4' });
    page = (await viewer.get('/api/v1/wallet')).json();
    expect(page.balances.total).toBe(95);

    const history = (await viewer.get('/api/v1/wallet/history')).json<{ items: { kind: string; amount: number; balanceAfter: number; description: string }[] }>();
    expect(history.items.map((i) => [i.kind, i.amount, i.balanceAfter])).toEqual([
      ['coin_spend', -15, 95],
      ['coin_topup', 100, 110],
      ['bonus_grant', 10, 10],
    ]);
    expect(history.items[0]?.description).toBe('Spent 15 coins on Episode 4');

    const other = await new TestClient(app).signUp('viewer');
    expect((await other.get('/api/v1/wallet/history')).json<{ items: unknown[] }>().items).toEqual([]);
  });
});
