import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { HttpApp } from '../../http/types.ts';
import { pickLanguage, renderHostedPage } from '../../drivers/payments/sandbox-page.ts';
import { SANDBOX_PAGE_PATH, type SandboxProvider } from '../../drivers/payments/sandbox.ts';

const tags = ['payments'];
const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const Outcome = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), outcome: Type.Union([Type.Literal('succeed'), Type.Literal('fail')]) });

/** The sandbox provider's own pages (what its website would be); served by us because the sandbox lives in our process. */
export function registerSandboxRoutes(app: HttpApp, sandbox: SandboxProvider): void {
  app.register(async (plugin) => {
    const scope = plugin.withTypeProvider<TypeBoxTypeProvider>();
    // The hosted page's buttons post an empty HTML form; its body carries nothing we read.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, _body, done) => done(null, {}));

    scope.get(
      `${SANDBOX_PAGE_PATH}/:id`,
      { config: { access: 'public' }, schema: { tags, summary: 'Sandbox hosted payment page (HTML)', params: Params } },
      async (request, reply) => {
        const intent = await sandbox.intent(request.params.id);
        const html = renderHostedPage(intent, pickLanguage(request.headers['accept-language']), SANDBOX_PAGE_PATH);
        return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
      },
    );

    // The sandbox stands in for a third-party site: its forms carry no CSRF token of ours.
    scope.post(
      `${SANDBOX_PAGE_PATH}/:id/:outcome`,
      { config: { access: 'public', skipCsrf: true }, schema: { tags, summary: 'Pay or fail a sandbox payment, then go back to the merchant', params: Outcome } },
      async (request, reply) => {
        const intent = await sandbox.complete(request.params.id, request.params.outcome);
        return reply.redirect(intent.returnUrl, 303);
      },
    );
  });
}
