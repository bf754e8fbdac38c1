import { describe, expect, it } from 'vitest';
import { translate } from '../app/i18n';
import type { TranslationKey, TranslationParams } from '../app/i18n';
import {
  collectedFiltersFromSearch,
  collectedFiltersToSearch,
  collectedListPath,
  pagePosition,
  pluralOf,
  refusalLines,
  refusalText,
  snippetParts,
} from './types';

const en = (key: TranslationKey, params?: TranslationParams) => translate('en', key, params);
const ru = (key: TranslationKey, params?: TranslationParams) => translate('ru', key, params);
const kk = (key: TranslationKey, params?: TranslationParams) => translate('kk', key, params);

describe('refusals in plain words', () => {
  it('says how many and why, with the right plural', () => {
    expect(refusalText(en, 'en-GB', 'account_outside_mandate', 312)).toBe(
      '312 items from accounts outside the mandate',
    );
    expect(refusalText(en, 'en-GB', 'after_window', 1)).toBe("1 item after the mandate's end");
    expect(refusalText(ru, 'ru-RU', 'site_outside_mandate', 1)).toBe(
      '1 запись с сайтов вне мандата',
    );
    expect(refusalText(ru, 'ru-RU', 'site_outside_mandate', 3)).toBe(
      '3 записи с сайтов вне мандата',
    );
    expect(refusalText(ru, 'ru-RU', 'site_outside_mandate', 312)).toBe(
      '312 записей с сайтов вне мандата',
    );
    expect(refusalText(kk, 'kk-KZ', 'mandate_revoked', 5)).toBe('5 жазба: мандат кері қайтарылған');
    expect(refusalText(en, 'en-GB', 'checksum', 2)).toBe('2 items: checksum');
  });

  it('knows the plural categories', () => {
    expect(pluralOf(1, 'en-GB')).toBe('one');
    expect(pluralOf(2, 'en-GB')).toBe('other');
    expect(pluralOf(22, 'ru-RU')).toBe('few');
    expect(pluralOf(11, 'ru-RU')).toBe('many');
  });

  it('lists refusals with a count, most first', () => {
    expect(
      refusalLines({ before_window: 2, account_outside_mandate: 2, no_mandate: 0, odd: 9 }),
    ).toEqual([
      ['odd', 9],
      ['account_outside_mandate', 2],
      ['before_window', 2],
    ]);
    expect(refusalLines(undefined)).toEqual([]);
  });
});

describe('snippets', () => {
  it('splits the server marks from the text, never reading HTML', () => {
    expect(snippetParts('Обнал <mark>наличных</mark> через <mark>карты</mark>')).toEqual([
      { text: 'Обнал ', marked: false },
      { text: 'наличных', marked: true },
      { text: ' через ', marked: false },
      { text: 'карты', marked: true },
    ]);
    expect(snippetParts('<b>bold</b> & <mark></mark>')).toEqual([
      { text: '<b>bold</b> & ', marked: false },
    ]);
    expect(snippetParts('')).toEqual([]);
  });

  it("reads the server's «» marks, but not quotes the text itself holds", () => {
    expect(snippetParts('…обнал «наличных» через карты…')).toEqual([
      { text: '…обнал ', marked: false },
      { text: 'наличных', marked: true },
      { text: ' через карты…', marked: false },
    ]);
    const text = 'ТОО «Рога и копыта» продаёт базы';
    expect(snippetParts('ТОО «Рога и копыта» продаёт «базы»', text)).toEqual([
      { text: 'ТОО «Рога и копыта» продаёт ', marked: false },
      { text: 'базы', marked: true },
    ]);
  });
});

describe('the item browser filters', () => {
  it('round-trips through the URL', () => {
    const filters = collectedFiltersFromSearch(
      '?q=%D0%B1%D0%B0%D0%B7%D1%8B&platform=telegram&from=2026-11-01&to=bad&mandate_id=7&offset=25',
    );
    expect(filters).toEqual({
      q: 'базы',
      platform: 'telegram',
      author: '',
      from: '2026-11-01',
      to: '',
      mandateId: '7',
      sourceId: '',
      offset: 25,
    });
    expect(collectedFiltersToSearch({ ...filters, offset: 0 })).toBe(
      '?q=%D0%B1%D0%B0%D0%B7%D1%8B&platform=telegram&from=2026-11-01&mandate_id=7',
    );
  });

  it('asks for whole days in the user zone, the last one included', () => {
    const path = collectedListPath(
      { ...collectedFiltersFromSearch(''), from: '2026-11-01', to: '2026-11-02' },
      'Asia/Almaty',
    );
    const query = new URLSearchParams(path.slice(path.indexOf('?')));
    expect(query.get('from')).toBe('2026-10-31T19:00:00.000Z');
    expect(query.get('to')).toBe('2026-11-02T19:00:00.000Z');
    expect(query.get('limit')).toBe('25');
    expect(query.get('offset')).toBe('0');
  });

  it('numbers the page', () => {
    expect(pagePosition(25, 10, 35)).toEqual({ first: 26, last: 35 });
    expect(pagePosition(0, 0, 0)).toBeNull();
  });
});
