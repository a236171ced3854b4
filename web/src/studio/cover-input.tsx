import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

export const COVER_TYPES = ['image/jpeg', 'image/png', 'image/webp'];
export const COVER_MAX_BYTES = 5 * 1024 * 1024;

export function coverProblem(file: File): 'type' | 'size' | null {
  if (!COVER_TYPES.includes(file.type)) return 'type';
  if (file.size > COVER_MAX_BYTES) return 'size';
  return null;
}

/** Picks a 3:4 cover image, previews it, and refuses what the server would refuse. */
export function CoverInput({ current, onPick }: { current: string | null; onPick: (file: File | null) => void }): ReactNode {
  const { t } = useTranslation();
  const [preview, setPreview] = useState<string | null>(null);
  const [problem, setProblem] = useState<'type' | 'size' | null>(null);
  useEffect(() => () => {
    if (preview) URL.revokeObjectURL(preview);
  }, [preview]);
  const shown = preview ?? current;
  return (
    <div className="cover-input">
      <div className="cover-input__frame">
        {shown ? <img src={shown} alt="" /> : <span className="muted">{t('studio.coverHint')}</span>}
      </div>
      <label className="btn btn--ghost">
        {shown ? t('studio.changeCover') : t('studio.chooseCover')}
        <input
          type="file"
          accept={COVER_TYPES.join(',')}
          hidden
          data-testid="cover-file"
          onChange={(event) => {
            const file = event.target.files?.[0] ?? null;
            event.target.value = '';
            if (!file) return;
            const bad = coverProblem(file);
            setProblem(bad);
            if (bad) return;
            setPreview(URL.createObjectURL(file));
            onPick(file);
          }}
        />
      </label>
      {problem && <p className="form__error">{t(`studio.coverProblem.${problem}`)}</p>}
    </div>
  );
}
