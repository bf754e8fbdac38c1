// Collection (issue 5; the server's parsers are src/collect/formats.h): sources bound to a
// mandate, file imports and their results, collected items; refusals in plain words, the item
// browser's filters (in the page URL) and the search snippet with the server's marks.
import { buildQuery } from '../app/api';
import type { TranslationKey, TranslationParams } from '../app/i18n';
import { nextDay, zonedDayStartToUtc } from '../app/time';
import type { Id } from '../cases/types';

export const SOURCE_KINDS = ['telegram', 'vk', 'jsonl', 'warc', 'feed'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** Kinds whose items arrive as an uploaded file (the others are polled). */
export const FILE_KINDS: readonly SourceKind[] = ['telegram', 'vk', 'jsonl', 'warc'];

export const REFUSAL_REASONS = [
  'account_outside_mandate',
  'site_outside_mandate',
  'after_window',
  'before_window',
  'mandate_revoked',
  'mandate_not_approved',
  'no_mandate',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export type RefusalCounts = Partial<Record<RefusalReason | string, number>>;

export interface SourceCounts {
  collected: number;
  duplicates: number;
  errors: number;
  refused: RefusalCounts;
}

export interface Source {
  id: Id;
  mandate_id: Id;
  kind: SourceKind | string;
  name: string;
  url: string | null;
  poll_minutes: number | null;
  state: 'active' | 'stopped' | string;
  stop_reason: string | null;
  last_polled_at: string | null;
  created_at: string;
  counts: SourceCounts;
}

export interface ImportError {
  position: string;
  error: string;
}

export interface ImportResult {
  id: Id;
  records: number;
  stored: number;
  duplicates: number;
  refused: RefusalCounts;
  errors: ImportError[];
}

export interface Media {
  n: number;
  /** null when only the file's address is known (it was not downloaded). */
  sha256: string | null;
  name: string;
  mime_type: string;
  size: number;
  url?: string | null;
}

export interface CollectedItem {
  id: Id;
  mandate_id: Id;
  source_id: Id;
  platform: string;
  channel_id: string;
  post_id: string;
  author_id: string;
  author_name: string;
  url: string;
  text: string;
  created_at: string | null;
  collected_at: string;
  sha256: string;
  media: Media[];
  purge_at: string | null;
  promoted_evidence_id: Id | null;
  snippet?: string;
  /** Only on GET /api/v1/collected/{id}: the original as text, null when it is binary. */
  raw?: string | null;
}

export interface CollectedPage {
  items: CollectedItem[];
  total: number;
}

// ---- names ----

export const SOURCE_KIND_LABELS: Record<SourceKind, TranslationKey> = {
  telegram: 'collect.kind.telegram',
  vk: 'collect.kind.vk',
  jsonl: 'collect.kind.jsonl',
  warc: 'collect.kind.warc',
  feed: 'collect.kind.feed',
};

export const SOURCE_KIND_HINTS: Record<SourceKind, TranslationKey> = {
  telegram: 'collect.kind.telegram_hint',
  vk: 'collect.kind.vk_hint',
  jsonl: 'collect.kind.jsonl_hint',
  warc: 'collect.kind.warc_hint',
  feed: 'collect.kind.feed_hint',
};

/** "{count} {items} from accounts outside the mandate" and so on. */
export const REFUSAL_LABELS: Record<RefusalReason, TranslationKey> = {
  account_outside_mandate: 'collect.refused.account_outside_mandate',
  site_outside_mandate: 'collect.refused.site_outside_mandate',
  after_window: 'collect.refused.after_window',
  before_window: 'collect.refused.before_window',
  mandate_revoked: 'collect.refused.mandate_revoked',
  mandate_not_approved: 'collect.refused.mandate_not_approved',
  no_mandate: 'collect.refused.no_mandate',
};

function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}

export const isSourceKind = (value: unknown): value is SourceKind => isOneOf(SOURCE_KINDS, value);
export const isRefusalReason = (value: unknown): value is RefusalReason =>
  isOneOf(REFUSAL_REASONS, value);
export const isFileSource = (source: Source): boolean =>
  isOneOf(FILE_KINDS as readonly string[], source.kind);

type Translate = (key: TranslationKey, params?: TranslationParams) => string;

/** The plural category of `count` in `locale` ("one", "few", "many", "other"). */
export function pluralOf(count: number, locale: string): 'one' | 'few' | 'many' | 'other' {
  const category = new Intl.PluralRules(locale).select(count);
  return category === 'one' || category === 'few' || category === 'many' ? category : 'other';
}

const ITEMS: Record<ReturnType<typeof pluralOf>, TranslationKey> = {
  one: 'collect.items.one',
  few: 'collect.items.few',
  many: 'collect.items.many',
  other: 'collect.items.other',
};

/** "312 items" in the user's language, with the noun's plural form. */
export function itemsText(t: Translate, locale: string, count: number): string {
  return t(ITEMS[pluralOf(count, locale)]);
}

/** Refusals with a count, most first then in the list's order; unknown reasons last. */
export function refusalLines(refused: RefusalCounts | null | undefined): [string, number][] {
  const entries = Object.entries(refused ?? {}).filter(
    (entry): entry is [string, number] => typeof entry[1] === 'number' && entry[1] > 0,
  );
  const order = (reason: string) => {
    const index = (REFUSAL_REASONS as readonly string[]).indexOf(reason);
    return index === -1 ? REFUSAL_REASONS.length : index;
  };
  return entries.sort((left, right) => right[1] - left[1] || order(left[0]) - order(right[0]));
}

/** One refusal line in plain words: "312 items from accounts outside the mandate". */
export function refusalText(t: Translate, locale: string, reason: string, count: number): string {
  const params = {
    count: new Intl.NumberFormat(locale).format(count),
    items: itemsText(t, locale, count),
  };
  if (isRefusalReason(reason)) return t(REFUSAL_LABELS[reason], params);
  return t('collect.refused.other', { ...params, reason });
}

// ---- paths ----

const segment = (id: Id) => encodeURIComponent(String(id));

export const mandateSourcesPath = (mandateId: Id) =>
  `/api/v1/mandates/${segment(mandateId)}/sources`;
export const sourcePath = (id: Id) => `/api/v1/sources/${segment(id)}`;
export const importPath = (id: Id) => `${sourcePath(id)}/import`;
export const collectedPath = (id: Id) => `/api/v1/collected/${segment(id)}`;
export const originalPath = (id: Id) => `${collectedPath(id)}/original`;
export const mediaPath = (id: Id, n: number) => `${collectedPath(id)}/media/${n}`;
export const collectedPagePath = (id: Id) => `/collected/${segment(id)}`;

// ---- the item browser's filters ----

export const PAGE_SIZE = 25;

export interface CollectedFilters {
  q: string;
  platform: string;
  author: string;
  /** Days "YYYY-MM-DD" in the user's time zone, both included. */
  from: string;
  to: string;
  mandateId: string;
  sourceId: string;
  offset: number;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function collectedFiltersFromSearch(search: string): CollectedFilters {
  const params = new URLSearchParams(search);
  const day = (name: string) => {
    const value = params.get(name) ?? '';
    return DAY.test(value) ? value : '';
  };
  const offset = Number(params.get('offset') ?? '0');
  return {
    q: params.get('q') ?? '',
    platform: params.get('platform') ?? '',
    author: params.get('author') ?? '',
    from: day('from'),
    to: day('to'),
    mandateId: params.get('mandate_id') ?? '',
    sourceId: params.get('source_id') ?? '',
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
  };
}

export function collectedFiltersToSearch(filters: CollectedFilters): string {
  return buildQuery({
    q: filters.q.trim(),
    platform: filters.platform,
    author: filters.author.trim(),
    from: filters.from,
    to: filters.to,
    mandate_id: filters.mandateId,
    source_id: filters.sourceId,
    offset: filters.offset > 0 ? filters.offset : '',
  });
}

/**
 * GET /api/v1/collected with the filters: the days become UTC instants in the user's time
 * zone, `to` being the start of the day after (so the whole day is included).
 */
export function collectedListPath(filters: CollectedFilters, timeZone: string): string {
  return `/api/v1/collected${buildQuery({
    q: filters.q.trim(),
    platform: filters.platform,
    author: filters.author.trim(),
    from: filters.from === '' ? '' : zonedDayStartToUtc(filters.from, timeZone),
    to: filters.to === '' ? '' : zonedDayStartToUtc(nextDay(filters.to), timeZone),
    mandate_id: filters.mandateId,
    source_id: filters.sourceId,
    limit: PAGE_SIZE,
    offset: filters.offset,
  })}`;
}

// ---- search snippets ----

export interface SnippetPart {
  text: string;
  marked: boolean;
}

const MARK = /<mark>([\s\S]*?)<\/mark>|«([^«»]*)»/g;

/**
 * The parts of a search snippet to show, marked (a match) or not. The server marks each match
 * with «...» (SQLite's snippet(), PostgreSQL's ts_headline()); <mark>...</mark> is read too.
 * Russian and Kazakh texts use «» as quotation marks as well, so a «...» that the item's own
 * text holds is taken as quotes, not as a match. Everything is text, never HTML.
 */
export function snippetParts(snippet: string, text?: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let last = 0;
  let plain = '';
  for (const match of snippet.matchAll(MARK)) {
    const start = match.index ?? 0;
    const guillemets = match[2] !== undefined;
    if (guillemets && text !== undefined && text.includes(match[0])) continue;
    plain += snippet.slice(last, start);
    if (plain !== '') parts.push({ text: plain, marked: false });
    plain = '';
    const marked = (guillemets ? match[2] : match[1]) ?? '';
    if (marked !== '') parts.push({ text: marked, marked: true });
    last = start + match[0].length;
  }
  plain += snippet.slice(last);
  if (plain !== '') parts.push({ text: plain, marked: false });
  return parts;
}

/** The pager's position: "26–50 of 312" as numbers, or null when nothing was found. */
export function pagePosition(
  offset: number,
  shown: number,
  total: number,
): { first: number; last: number } | null {
  if (total <= 0 || shown <= 0) return null;
  return { first: offset + 1, last: offset + shown };
}
