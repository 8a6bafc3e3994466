import { expect, expectAccessible, test, unique, visit } from '../support/fixtures.ts';

test("the overview shows the tenant's API traffic, per API key, as the key made it", async ({ page, request, tenant }) => {
  const auth = { authorization: `Bearer ${tenant.accessToken}` };
  const name = unique('Reporting bot');
  const created = await request.post('/api/v1/api-keys', { headers: auth, data: { name, scopes: ['usage:read'] } });
  expect(created.status(), await created.text()).toBe(201);
  const { key, prefix } = (await created.json()) as { key: string; prefix: string };

  // Four requests with the key, one of them refused (a 4xx, not a server error).
  for (let i = 0; i < 3; i += 1) expect((await request.get('/api/v1/usage', { headers: { 'x-api-key': key } })).status()).toBe(200);
  expect((await request.get('/api/v1/usage/traffic?days=0', { headers: { 'x-api-key': key } })).status()).toBe(400);

  // The rollup is written in batches (API_CALL_FLUSH_MS): wait until the API reports the key's requests.
  await expect
    .poll(async () => {
      const report = (await (await request.get('/api/v1/usage/traffic', { headers: auth })).json()) as { apiKeys: Array<{ name: string | null; requests: number }> };
      return report.apiKeys.find((k) => k.name === name)?.requests ?? 0;
    })
    .toBe(4);

  await visit(page, '/overview', tenant.ownerEmail);
  const traffic = page.getByRole('region', { name: 'API traffic, last 30 days' });
  await expect(traffic).toBeVisible();
  await expect(traffic.getByRole('img', { name: /^Requests per day over the last 30 days/ })).toBeVisible();
  const perKey = traffic.getByRole('table', { name: 'Per API key' });
  const row = perKey.getByRole('row', { name: new RegExp(`^${name} \\(${prefix}…\\)`) });
  await expect(row.getByRole('cell').nth(1)).toHaveText('4');
  await expect(row.getByRole('cell').nth(2)).toHaveText('0%');
  await expect(perKey.getByRole('row', { name: /^Signed-in members/ })).toBeVisible();
  await expect(traffic.getByRole('table', { name: 'Per day' }).getByRole('row')).toHaveCount(2);
  await expectAccessible(page);
});
