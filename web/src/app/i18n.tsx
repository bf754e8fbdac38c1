// Translations. Every visible string comes from src/i18n/{kk,ru,en}.json through t(); the keys
// are typed from en.json, so a key that is not there does not compile, and i18n.test.ts checks
// that the three files hold the same keys.
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import en from '../i18n/en.json';
import kk from '../i18n/kk.json';
import ru from '../i18n/ru.json';
import { isLanguage, LANGUAGES } from './types';
import type { Language } from './types';

export type TranslationKey = keyof typeof en;
export type TranslationParams = Record<string, string | number>;

export const CATALOGS: Record<Language, Record<string, string>> = { kk, ru, en };

/** BCP 47 locales for Intl formatting. */
export const LOCALES: Record<Language, string> = { kk: 'kk-KZ', ru: 'ru-RU', en: 'en-GB' };

export function translate(
  language: Language,
  key: TranslationKey,
  params?: TranslationParams,
): string {
  const template = CATALOGS[language][key] ?? CATALOGS.en[key] ?? key;
  if (params === undefined) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** True when `key` names a translation; for keys built at run time (`role.${name}`). */
export function hasKey(key: string): key is TranslationKey {
  return Object.prototype.hasOwnProperty.call(CATALOGS.en, key);
}

const STORAGE_KEY = 'threathub.language';

function initialLanguage(): Language {
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY);
    if (isLanguage(stored)) return stored;
  } catch {
    // Storage may be unavailable; fall back to the browser's preference.
  }
  for (const preferred of window.navigator.languages ?? []) {
    const prefix = preferred.slice(0, 2).toLowerCase();
    if (isLanguage(prefix)) return prefix;
  }
  return 'kk';
}

export interface I18n {
  language: Language;
  locale: string;
  setLanguage: (language: Language) => void;
  t: (key: TranslationKey, params?: TranslationParams) => string;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(initialLanguage);

  const setLanguage = useCallback((next: Language) => {
    setLanguageState(next);
    try {
      window.localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Not remembered across reloads; the account's language still applies after sign-in.
    }
  }, []);

  useEffect(() => {
    document.documentElement.lang = language;
    document.title = translate(language, 'app.title');
  }, [language]);

  const value = useMemo<I18n>(
    () => ({
      language,
      locale: LOCALES[language],
      setLanguage,
      t: (key, params) => translate(language, key, params),
    }),
    [language, setLanguage],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (value === null) throw new Error('useI18n outside I18nProvider');
  return value;
}

export { LANGUAGES };
