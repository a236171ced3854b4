import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { HttpApp } from '../../http/types.ts';
import type { AdsService } from './service.ts';

export const AdUnlockSchema = Type.Object({
  id: Type.String(),
  episodeId: Type.String(),
  status: Type.Union([Type.Literal('watching'), Type.Literal('granted'), Type.Literal('refused')]),
  reason: Type.Union([
    Type.Literal('daily_cap'),
    Type.Literal('not_allowed'),
    Type.Literal('episode_unavailable'),
    Type.Literal('already_watchable'),
    Type.Null(),
  ]),
});

export function registerAdsRoutes(app: HttpApp, ads: AdsService): void {
  app.register(async (plugin) => {
    const scope = plugin.withTypeProvider<TypeBoxTypeProvider>();
    scope.get(
      '/api/v1/ad-unlocks/:id',
      {
        config: { access: 'signed-in' },
        schema: {
          tags: ['paywall'],
          summary: "An ad unlock's status: only the ad network's verified callback moves it from watching",
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
          response: { 200: AdUnlockSchema },
        },
      },
      async (request) => ads.viewFor(request.caller.userId ?? '', request.params.id),
    );
  });
}
