/** The sandbox's hosted payment page: self-contained HTML, no scripts, no external assets. */
export interface HostedPageView {
  id: string;
  amountMinor: number;
  currency: string;
  description: string;
  status: 'requires_payment' | 'succeeded' | 'failed';
}

type Lang = 'zh' | 'en';

const TEXT: Record<Lang, Record<'title' | 'pay' | 'fail' | 'note' | 'done' | 'failed', string>> = {
  zh: { title: '沙箱支付', pay: '支付', fail: '模拟失败', note: '这是测试用的沙箱支付，不会产生真实扣款。', done: '已支付', failed: '支付失败' },
  en: { title: 'Sandbox payment', pay: 'Pay', fail: 'Simulate failure', note: 'This is a test payment: no real money moves.', done: 'Paid', failed: 'Payment failed' },
};

export function pickLanguage(acceptLanguage: string | undefined): Lang {
  const first = (acceptLanguage ?? '').split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('zh') ? 'zh' : 'en';
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Minor units shown with two decimals, except for zero-decimal currencies. */
export function formatAmount(amountMinor: number, currency: string): string {
  const zeroDecimal = ['JPY', 'KRW', 'VND'].includes(currency.toUpperCase());
  const value = zeroDecimal ? String(amountMinor) : (amountMinor / 100).toFixed(2);
  return `${value} ${currency.toUpperCase()}`;
}

export function renderHostedPage(view: HostedPageView, lang: Lang, basePath: string): string {
  const t = TEXT[lang];
  const action = `${basePath}/${encodeURIComponent(view.id)}`;
  const buttons =
    view.status === 'requires_payment'
      ? `<form method="post" action="${action}/succeed"><button class="pay" type="submit">${t.pay}</button></form>
    <form method="post" action="${action}/fail"><button class="fail" type="submit">${t.fail}</button></form>`
      : `<p class="state">${view.status === 'succeeded' ? t.done : t.failed}</p>`;
  return `<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t.title}</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 0; background: #f4f4f6; color: #111; }
  main { max-width: 420px; margin: 0 auto; padding: 32px 20px; }
  .card { background: #fff; border-radius: 16px; padding: 24px; box-shadow: 0 2px 12px rgba(0,0,0,.08); }
  .amount { font-size: 2rem; font-weight: 700; margin: 8px 0; }
  .desc { color: #555; margin-bottom: 24px; overflow-wrap: anywhere; }
  button { width: 100%; padding: 14px; border: 0; border-radius: 10px; font-size: 1.05rem; margin-top: 10px; }
  .pay { background: #1a7f37; color: #fff; }
  .fail { background: #eee; color: #a40e26; }
  .note { color: #777; font-size: .85rem; margin-top: 16px; }
</style>
</head>
<body>
<main>
  <div class="card">
    <h1>${t.title}</h1>
    <div class="amount" data-testid="amount">${escapeHtml(formatAmount(view.amountMinor, view.currency))}</div>
    <div class="desc">${escapeHtml(view.description)}</div>
    ${buttons}
    <p class="note">${t.note}</p>
  </div>
</main>
</body>
</html>`;
}
