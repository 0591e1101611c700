/**
 * The pages' languages: Russian by default, Kazakh and English switchable (a cookie, or
 * `?lang=` once). `t(lang, key, params)` looks a word up; dates are written `18.12.2026`
 * in the calendar's zone (Asia/Almaty) in every language, as the company writes them.
 */
import { en } from './en.js';
import { kk } from './kk.js';
import { ru, type MessageKey, type Messages } from './ru.js';

export const LANGS = ['ru', 'kk', 'en'] as const;
export type Lang = (typeof LANGS)[number];
export const DEFAULT_LANG: Lang = 'ru';
export type { MessageKey };

const DICTS: Record<Lang, Messages> = { ru, kk, en };

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (LANGS as readonly string[]).includes(value);
}

export function t(lang: Lang, key: MessageKey, params?: Record<string, string | number>): string {
  const text = DICTS[lang][key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

const PLURALS: Record<Lang, Intl.PluralRules> = {
  ru: new Intl.PluralRules('ru'),
  kk: new Intl.PluralRules('kk'),
  en: new Intl.PluralRules('en'),
};

/** "2 раб. дня", "5 дней": `n` days of a kind, with the language's plural form. */
export function days(lang: Lang, n: number, kind: 'working' | 'calendar'): string {
  const rule = PLURALS[lang].select(n);
  const form = rule === 'one' ? 'one' : rule === 'few' ? 'few' : 'many';
  return t(lang, `days.${kind}.${form}` as MessageKey, { n });
}
