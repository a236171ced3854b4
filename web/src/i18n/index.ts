import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en.ts';
import { zhCN } from './zh-cn.ts';

export const LANGUAGE_OPTIONS = [
  { code: 'zh-CN', label: '中文' },
  { code: 'en', label: 'EN' },
] as const;

export type LanguageCode = (typeof LANGUAGE_OPTIONS)[number]['code'];

const STORAGE_KEY = 'ds.lang';

function storedLanguage(): LanguageCode | null {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return LANGUAGE_OPTIONS.some((option) => option.code === stored) ? (stored as LanguageCode) : null;
  } catch {
    return null; // storage blocked (private mode, sandboxed frame)
  }
}

function browserLanguage(): LanguageCode {
  const preferred = navigator.languages.length > 0 ? navigator.languages : [navigator.language];
  for (const tag of preferred) {
    const lower = tag.toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

const initial = storedLanguage() ?? browserLanguage();
document.documentElement.lang = initial;

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
  lng: initial,
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
  initAsync: false,
  returnNull: false,
});

export function setLanguage(code: LanguageCode): void {
  try {
    localStorage.setItem(STORAGE_KEY, code);
  } catch {
    // Still switch for this visit.
  }
  document.documentElement.lang = code;
  void i18n.changeLanguage(code);
}

export function currentLanguage(): LanguageCode {
  return i18n.language === 'zh-CN' ? 'zh-CN' : 'en';
}

export { i18n };
