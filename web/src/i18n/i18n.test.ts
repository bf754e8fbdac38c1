// The three translation files hold the same keys, no empty value, the same {placeholders};
// every key the code uses exists; Kazakh is not Russian copied.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KNOWN_CODES, KNOWN_REASONS } from '../app/errors';
import { ROLES, LANGUAGES } from '../app/types';
import en from './en.json';
import kk from './kk.json';
import ru from './ru.json';

const catalogs: Record<string, Record<string, string>> = { kk, ru, en };
const srcDir = fileURLToPath(new URL('..', import.meta.url));

function sourceFiles(directory: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) found.push(...sourceFiles(path));
    else if (/\.(ts|tsx)$/.test(name) && !/\.test\.ts$/.test(name)) found.push(path);
  }
  return found;
}

/** The text of the first argument of every `t(...)` call in `source`. */
export function firstArguments(source: string): string[] {
  const found: string[] = [];
  const call = /(?<![\w.$])t\(/g;
  for (let match = call.exec(source); match !== null; match = call.exec(source)) {
    let depth = 0;
    let quote: string | null = null;
    let index = match.index + match[0].length;
    const start = index;
    for (; index < source.length; index += 1) {
      const char = source[index];
      if (quote !== null) {
        if (char === '\\') index += 1;
        else if (char === quote) quote = null;
        continue;
      }
      if (char === "'" || char === '"' || char === '`') quote = char;
      else if (char === '(' || char === '[' || char === '{') depth += 1;
      else if (char === ')' || char === ']' || char === '}') {
        if (depth === 0) break;
        depth -= 1;
      } else if (char === ',' && depth === 0) break;
    }
    found.push(source.slice(start, index));
  }
  return found;
}

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string).sort();
}

describe('translation files', () => {
  const englishKeys = Object.keys(en).sort();

  it.each(Object.keys(catalogs))('%s has exactly the keys of en.json', (language) => {
    const keys = Object.keys(catalogs[language] as object).sort();
    expect(
      keys.filter((key) => !englishKeys.includes(key)),
      'keys not in en.json',
    ).toEqual([]);
    expect(
      englishKeys.filter((key) => !keys.includes(key)),
      'keys missing',
    ).toEqual([]);
  });

  it.each(Object.keys(catalogs))(
    '%s has no empty value and the same placeholders as en',
    (language) => {
      const catalog = catalogs[language] as Record<string, string>;
      for (const key of englishKeys) {
        const value = catalog[key] ?? '';
        expect(value.trim(), `${language}: ${key}`).not.toBe('');
        expect(placeholders(value), `${language}: ${key}`).toEqual(
          placeholders((en as Record<string, string>)[key] ?? ''),
        );
      }
    },
  );

  it('kk is Kazakh, not Russian copied', () => {
    // Words that are the same in both languages.
    const sameWord = new Set([
      'app.name',
      'error.with_detail',
      'language.name.kk',
      'language.name.ru',
      'language.name.en',
      'language.short.kk',
      'language.short.ru',
      'language.short.en',
      'nav.audit',
      'nav.profile',
      'profile.title',
      'signin.totp.code',
      'audit.client',
      'role.prosecutor',
      // Units, hash names and layouts of data, written the same way in Kazakh and Russian.
      'units.b',
      'units.kb',
      'units.mb',
      'units.gb',
      'units.tb',
      'evidence.hash.md5',
      'evidence.hash.sha1',
      'evidence.hash.sha256',
      'evidence.item_choice',
      'evidence.custody.from_to_value',
      // The same loanwords in both.
      'mandates.mandate',
      'mandates.scope.kind_domain',
    ]);
    const copied = englishKeys.filter(
      (key) =>
        !sameWord.has(key) &&
        (kk as Record<string, string>)[key] === (ru as Record<string, string>)[key],
    );
    expect(copied).toEqual([]);
    const kazakhLetters = /[әғқңөұүһі]/i;
    const withKazakhLetters = Object.values(kk).filter((value) => kazakhLetters.test(value)).length;
    expect(withKazakhLetters / englishKeys.length).toBeGreaterThan(0.5);
  });
});

describe('keys used in the code', () => {
  const files = sourceFiles(srcDir);

  it('finds the source files', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it('every literal key passed to t() exists in every language', () => {
    const missing: string[] = [];
    let literals = 0;
    for (const file of files) {
      const source = readFileSync(file, 'utf8');
      for (const argument of firstArguments(source)) {
        for (const literal of argument.matchAll(/(['"])([^'"`]+)\1/g)) {
          literals += 1;
          const key = literal[2] as string;
          for (const language of Object.keys(catalogs)) {
            if (!(key in (catalogs[language] as object)))
              missing.push(`${language}: ${key} (${file})`);
          }
        }
      }
    }
    expect(literals).toBeGreaterThan(100);
    expect(missing).toEqual([]);
  });

  it('every key built at run time exists', () => {
    const built = [
      ...LANGUAGES.flatMap((code) => [`language.name.${code}`, `language.short.${code}`]),
      ...ROLES.map((role) => `role.${role}`),
      ...KNOWN_REASONS.map((reason) => `error.reason.${reason}`),
      ...KNOWN_CODES.map((code) => `error.code.${code}`),
      ...['disable', 'enable', 'unlock'].map((action) => `admin.users.done_${action}`),
      ...['all', 'active', 'locked', 'disabled'].map((status) => `admin.users.status.${status}`),
    ];
    for (const language of Object.keys(catalogs)) {
      expect(
        built.filter((key) => !(key in (catalogs[language] as object))),
        language,
      ).toEqual([]);
    }
  });

  it('no component writes an inline style (the CSP blocks them)', () => {
    const offenders = files.filter((file) => /\bstyle=\{/.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('no visible text is written in JSX without t()', () => {
    // Text between tags that contains a letter is a string someone forgot to translate.
    const offenders: string[] = [];
    for (const file of files.filter((name) => name.endsWith('.tsx'))) {
      const source = readFileSync(file, 'utf8');
      for (const match of source.matchAll(
        /(?<!=)>([^<>{}\n]*[A-Za-zА-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі][^<>{}\n]*)</g,
      )) {
        const text = (match[1] as string).trim();
        if (text !== '' && !/^[)\];,.]/.test(text) && !/=>|&&|\?\?|\|\||===/.test(text))
          offenders.push(`${file}: ${text}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

describe('firstArguments', () => {
  it('reads literals, ternaries and nested calls', () => {
    expect(
      firstArguments("t('a.b'); t(x ? 'c.d' : 'e.f', { n: g(1, 2) }); set('no'); x.t('no')"),
    ).toEqual(["'a.b'", "x ? 'c.d' : 'e.f'"]);
  });
});
