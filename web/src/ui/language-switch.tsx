import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { LANGUAGE_OPTIONS, setLanguage } from '../i18n/index.ts';
import { GlobeGlyph } from './icons.tsx';

export function LanguageSwitch({ compact = false }: { compact?: boolean }): ReactNode {
  const { i18n, t } = useTranslation();
  return (
    <div className={`lang-switch${compact ? ' lang-switch--compact' : ''}`} role="group" aria-label={t('me.language')}>
      {compact && <GlobeGlyph size={16} />}
      {LANGUAGE_OPTIONS.map((option) => (
        <button
          key={option.code}
          type="button"
          className={i18n.language === option.code ? 'lang-switch__on' : undefined}
          aria-pressed={i18n.language === option.code}
          onClick={() => setLanguage(option.code)}
          data-testid={`lang-${option.code}`}
        >
          {option.label}
        </button>
      ))}
    </div>
  );
}
