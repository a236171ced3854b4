import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, TestClient, type TestPlatform } from '../../../test/support/app.ts';
import { testPostgresUrl } from '../../../test/support/db.ts';
import { checkedAddresses, isPrivateAddress } from './webhook-target.ts';

const label = testPostgresUrl() ? 'postgres' : 'pglite';

describe('merchant webhook targets (SSRF guard)', () => {
  it('knows private, loopback, link-local and mapped addresses from public ones', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', 'not-an-ip']) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '203.0.113.10', '2606:4700::1111', '::ffff:8.8.8.8']) {
      expect(isPrivateAddress(address), address).toBe(false);
    }
  });

  it('refuses at delivery a name with any private address among its answers', async () => {
    await expect(checkedAddresses(new URL('http://localhost:9/hook'), false)).rejects.toThrow(/private address/);
    await expect(checkedAddresses(new URL('http://[::1]:9/hook'), false)).rejects.toThrow(/private address/);
    await expect(checkedAddresses(new URL('http://93.184.216.34/hook'), false)).resolves.toEqual(['93.184.216.34']);
    await expect(checkedAddresses(new URL('http://127.0.0.1:9/hook'), true)).resolves.toEqual(['127.0.0.1']);
    const mixed = async (): Promise<string[]> => ['203.0.113.10', '127.0.0.1'];
    await expect(checkedAddresses(new URL('http://mixed.example/hook'), false, mixed)).rejects.toThrow(/private address/);
    const nothing = async (): Promise<string[]> => [];
    await expect(checkedAddresses(new URL('http://void.example/hook'), false, nothing)).rejects.toThrow(/no address/);
  });
});

describe(`saving a merchant webhook endpoint (${label})`, () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform();
  });
  afterAll(async () => t.close());

  it('refuses private, loopback and link-local URLs with problem+json and saves nothing', async () => {
    const merchant = await new TestClient(t.app).signUp('merchant');
    for (const url of ['http://127.0.0.1:5432/', 'http://localhost/hook', 'http://10.0.0.8/hook', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/hook', 'http://app.localhost/x']) {
      const response = await merchant.put('/api/v1/shop/webhooks', { url });
      expect(response.statusCode, url).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json<{ code: string; detail: string }>()).toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    expect((await merchant.get('/api/v1/shop/webhooks')).json<{ endpoint: unknown }>().endpoint).toBeNull();
    const saved = await merchant.put('/api/v1/shop/webhooks', { url: 'https://203.0.113.10/hooks' });
    expect(saved.statusCode, saved.body).toBe(200);
  });
});
