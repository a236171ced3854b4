import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Placement } from '../../api/merchant.ts';
import { formatMs } from './snap.ts';

interface PlacementListProps {
  placements: Placement[];
  loading: boolean;
  editingId: string | null;
  removing: string | null;
  onEdit: (placement: Placement) => void;
  onRemove: (id: string) => void;
}

export function PlacementList({ placements, loading, editingId, removing, onEdit, onRemove }: PlacementListProps): ReactNode {
  const { t } = useTranslation();
  return (
    <section className="panel" data-testid="placement-list">
      <h2 className="section-title">{t('placements.placed', { count: placements.length })}</h2>
      {loading ? (
        <div className="spinner" />
      ) : placements.length === 0 ? (
        <p className="muted">{t('placements.none')}</p>
      ) : (
        <ul className="placement-list">
          {placements.map((p) => (
            <li key={p.id} className={`placement-list__item${p.id === editingId ? ' placement-list__item--editing' : ''}`} data-testid="placement-item" data-placement-id={p.id}>
              <span className="placement-list__body">
                <strong>{p.product?.title ?? p.productId}</strong>
                <span className="muted merchant-small">
                  {formatMs(p.startMs)} – {formatMs(p.endMs)} · {t(`placements.labels.${p.label}`)} · “{p.cta}”{p.box ? ` · ${t('placements.hasBox')}` : ''}
                </span>
                {!p.live && <span className="status status--failed">{t('placements.notLive')}</span>}
              </span>
              <span className="placement-list__actions">
                <button type="button" className="link-button" onClick={() => onEdit(p)}>
                  {t('placements.edit')}
                </button>
                <button type="button" className="link-button link-button--muted" disabled={removing === p.id} onClick={() => onRemove(p.id)}>
                  {t('placements.remove')}
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
