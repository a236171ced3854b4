import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useFollowToggle } from '../api/queries.ts';
import { useSession } from '../api/session.ts';
import type { Series } from '../api/types.ts';
import { navigate } from '../lib/router.tsx';
import { CheckGlyph, HeartGlyph, PlusGlyph } from '../ui/icons.tsx';

export function signInThenReturn(): void {
  const here = window.location.pathname + window.location.search;
  navigate(`/signin?next=${encodeURIComponent(here)}`);
}

/** The round "follow" action on the player rail. */
export function FollowRailButton({ series }: { series: Series }): ReactNode {
  const { t } = useTranslation();
  const { session } = useSession();
  const follow = useFollowToggle(series);
  const onClick = (): void => (session.user ? follow.toggle() : signInThenReturn());
  return (
    <button
      type="button"
      className={`rail__button${follow.following ? ' rail__button--on' : ''}`}
      onClick={onClick}
      aria-pressed={follow.following}
      data-testid="follow-button"
    >
      <span className="rail__icon">
        <HeartGlyph size={30} />
      </span>
      <span className="rail__label">{follow.following ? t('series.following') : t('series.follow')}</span>
    </button>
  );
}

/** The pill "follow" button on the series page. */
export function FollowPillButton({ series }: { series: Series }): ReactNode {
  const { t } = useTranslation();
  const { session } = useSession();
  const follow = useFollowToggle(series);
  const onClick = (): void => (session.user ? follow.toggle() : signInThenReturn());
  return (
    <button
      type="button"
      className={`btn ${follow.following ? 'btn--ghost' : 'btn--secondary'}`}
      onClick={onClick}
      aria-pressed={follow.following}
      data-testid="follow-button"
    >
      {follow.following ? <CheckGlyph size={18} /> : <PlusGlyph size={18} />}
      {follow.following ? t('series.following') : t('series.follow')}
    </button>
  );
}
