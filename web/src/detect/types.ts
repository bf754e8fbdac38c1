// Detection (issue 6; docs/api.md "Detection"): indicator lists and their entries, hash banks and
// their hashes, alerts and the review queue, metrics. Shapes of the server's JSON, paths, and the
// names of kinds and states in the user's language.
import { buildQuery } from '../app/api';
import type { TranslationKey } from '../app/i18n';
import type { Id, Person } from '../cases/types';
import type { CollectedItem } from '../collect/types';

export const LIST_KINDS = ['indicators', 'allow'] as const;
export type ListKind = (typeof LIST_KINDS)[number];

export const INDICATOR_KINDS = ['term', 'phrase', 'regex'] as const;
export type IndicatorKind = (typeof INDICATOR_KINDS)[number];

export const INDICATOR_LANGUAGES = ['any', 'kk', 'ru', 'en'] as const;
export type IndicatorLanguage = (typeof INDICATOR_LANGUAGES)[number];

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ALGORITHMS = ['pdq', 'md5', 'sha256'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export const ALERT_STATES = ['open', 'escalated', 'held', 'confirmed', 'dismissed'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export const ALERT_KINDS = ['text', 'image', 'exact'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const FILE_FORMATS = ['csv', 'json'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

export const IMPORT_MODES = ['append', 'replace'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

export interface IndicatorList {
  id: Id;
  name: string;
  kind: ListKind | string;
  description: string;
  active: boolean;
  version: number;
  indicator_count: number;
  alert_count: number;
  created_by: Person | null;
  created_at: string;
  updated_at: string;
  problems?: CompileProblem[];
}

export interface CompileProblem {
  indicator_id: Id;
  pattern: string;
  error: string;
}

export interface Indicator {
  id: Id;
  list_id: Id;
  kind: IndicatorKind | string;
  pattern: string;
  language: IndicatorLanguage | string;
  category: string;
  severity: Severity | string;
  notes: string;
  active: boolean;
  alerts: number;
  confirmed: number;
  precision: number | null;
  created_at: string;
  updated_at: string;
}

export interface RowError {
  position: string | number;
  error: string;
}

export interface ListImportResult {
  list: IndicatorList;
  added: number;
  updated: number;
  retired: number;
  errors: RowError[];
}

export interface ListVersion {
  version: number;
  created_at: string;
  created_by: Person | null;
  change: string;
}

export interface HashBank {
  id: Id;
  name: string;
  algorithm: Algorithm | string;
  negative: boolean;
  threshold: number;
  quality_gate: number;
  labels: string[];
  description: string;
  active: boolean;
  version: number;
  hash_count: number;
  quarantined_count: number;
  alert_count: number;
  created_by: Person | null;
  created_at: string;
  updated_at: string;
}

export interface BankHash {
  id: Id;
  bank_id: Id;
  hash: string;
  label: string;
  source: string;
  ideology: string;
  file_type: string;
  active: boolean;
  quarantined: boolean;
  alerts: number;
  created_at: string;
}

export interface BankImportResult {
  bank: HashBank;
  added: number;
  duplicates: number;
  errors: RowError[];
}

export interface Highlight {
  /** UTF-8 byte offset into the item's text where the match starts. */
  start: number;
  /** UTF-8 byte offset just after the match. */
  end: number;
  /** The matched original text, as the server cut it. */
  text: string;
}

export interface RemovalRequest {
  platform: string;
  reference: string;
  note: string;
  requested_at: string;
  recorded_by: Person | null;
}

export interface Alert {
  id: Id;
  item_id: Id;
  mandate_id: Id;
  kind: AlertKind | string;
  state: AlertState | string;
  list_id: Id | null;
  list_name: string | null;
  list_version: number | null;
  indicator: {
    id: Id;
    kind: string;
    pattern: string;
    category: string;
    severity: string;
  } | null;
  bank_id: Id | null;
  bank_name: string | null;
  bank_hash: { id: Id; hash: string; label: string } | null;
  media_n: number | null;
  distance: number | null;
  quality: number | null;
  low_confidence: boolean;
  highlights: Highlight[];
  excerpt: string;
  severity: Severity | string;
  created_at: string;
  decided_by: Person | null;
  decided_at: string | null;
  reason: string | null;
  case_id: Id | null;
  evidence_id: Id | null;
  removal_request: RemovalRequest | null;
  /** Only on GET /api/v1/alerts/{id}. */
  item?: CollectedItem;
}

export interface AlertPage {
  alerts: Alert[];
  total: number;
}

export interface Scan {
  id: Id;
  reason: 'lists_changed' | 'manual' | string;
  from: string;
  items: number;
  scanned: number;
  alerts: number;
  state: 'running' | 'done' | string;
  started_at: string;
  finished_at: string | null;
}

export interface DetectStatus {
  scanned_through_item: Id | null;
  pending_items: number;
  scans: Scan[];
  indicators: number;
  problems: number;
  bank_hashes: number;
}

export interface MetricRow {
  list_id?: Id;
  bank_id?: Id;
  name: string;
  alerts: number;
  confirmed: number;
  dismissed: number;
  open: number;
  precision: number | null;
}

export interface IndicatorMetric {
  indicator_id: Id;
  list_id: Id;
  pattern: string;
  alerts: number;
  confirmed: number;
  dismissed: number;
  precision: number | null;
}

export interface Metrics {
  lists: MetricRow[];
  banks: MetricRow[];
  indicators: IndicatorMetric[];
}

// ---- paths ----

export const LISTS_PATH = '/api/v1/indicator-lists';
export const BANKS_PATH = '/api/v1/hash-banks';
export const ALERTS_PATH = '/api/v1/alerts';
export const STATUS_PATH = '/api/v1/detect/status';
export const METRICS_PATH = '/api/v1/detect/metrics';
export const RESCAN_PATH = '/api/v1/detect/rescan';

export const listPath = (id: Id) => `${LISTS_PATH}/${encodeURIComponent(String(id))}`;
export const bankPath = (id: Id) => `${BANKS_PATH}/${encodeURIComponent(String(id))}`;
export const alertPath = (id: Id) => `${ALERTS_PATH}/${encodeURIComponent(String(id))}`;
export const indicatorPath = (id: Id) => `/api/v1/indicators/${encodeURIComponent(String(id))}`;
export const bankHashPath = (id: Id) => `/api/v1/bank-hashes/${encodeURIComponent(String(id))}`;

export function indicatorsPath(listId: Id, q: string, offset: number, limit: number): string {
  return `${listPath(listId)}/indicators${buildQuery({ q: q.trim(), limit, offset })}`;
}

export function hashesPath(
  bankId: Id,
  q: string,
  quarantined: boolean,
  offset: number,
  limit: number,
): string {
  return `${bankPath(bankId)}/hashes${buildQuery({
    q: q.trim(),
    quarantined: quarantined ? 'true' : '',
    limit,
    offset,
  })}`;
}

export function listImportPath(listId: Id, format: FileFormat, mode: ImportMode): string {
  return `${listPath(listId)}/import${buildQuery({ format, mode })}`;
}

export function listExportPath(listId: Id, format: FileFormat): string {
  return `${listPath(listId)}/export${buildQuery({ format })}`;
}

/** The format of an indicator file, from its name (a .json file is JSON, anything else CSV). */
export function formatOfFile(name: string): FileFormat {
  return /\.json$/i.test(name) ? 'json' : 'csv';
}

// Web pages of the section.
export const QUEUE_PAGE = '/detect';
export const LISTS_PAGE = '/detect/lists';
export const BANKS_PAGE = '/detect/banks';
export const METRICS_PAGE = '/detect/metrics';
export const alertPage = (id: Id) => `/detect/alerts/${encodeURIComponent(String(id))}`;
export const listPage = (id: Id) => `/detect/lists/${encodeURIComponent(String(id))}`;
export const bankPage = (id: Id) => `/detect/banks/${encodeURIComponent(String(id))}`;

// ---- queue filters (in the page URL) ----

export interface QueueFilters {
  /** One state at a time (the server has no "every state"); the queue opens on `open`. */
  state: AlertState;
  kind: AlertKind | '';
  listId: string;
  bankId: string;
  offset: number;
}

export const QUEUE_PAGE_SIZE = 50;

function oneOf<T extends string>(values: readonly T[], value: string | null): T | null {
  return value !== null && (values as readonly string[]).includes(value) ? (value as T) : null;
}

export function queueFiltersFromSearch(search: string): QueueFilters {
  const params = new URLSearchParams(search);
  const state = params.get('state');
  const offset = Number(params.get('offset') ?? '0');
  return {
    state: oneOf(ALERT_STATES, state) ?? 'open',
    kind: oneOf(ALERT_KINDS, params.get('kind')) ?? '',
    listId: params.get('list_id') ?? '',
    bankId: params.get('bank_id') ?? '',
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
  };
}

export function queueFiltersToSearch(filters: QueueFilters): string {
  return buildQuery({
    state: filters.state === 'open' ? '' : filters.state,
    kind: filters.kind,
    list_id: filters.listId,
    bank_id: filters.bankId,
    offset: filters.offset > 0 ? filters.offset : '',
  });
}

export function alertsListPath(filters: QueueFilters): string {
  return `${ALERTS_PATH}${buildQuery({
    state: filters.state,
    kind: filters.kind,
    list_id: filters.listId,
    bank_id: filters.bankId,
    limit: QUEUE_PAGE_SIZE,
    offset: filters.offset,
  })}`;
}

// ---- names ----

export const LIST_KIND_LABELS: Record<ListKind, TranslationKey> = {
  indicators: 'detect.list_kind.indicators',
  allow: 'detect.list_kind.allow',
};

export const INDICATOR_KIND_LABELS: Record<IndicatorKind, TranslationKey> = {
  term: 'detect.indicator_kind.term',
  phrase: 'detect.indicator_kind.phrase',
  regex: 'detect.indicator_kind.regex',
};

export const LANGUAGE_LABELS: Record<IndicatorLanguage, TranslationKey> = {
  any: 'detect.language.any',
  kk: 'detect.language.kk',
  ru: 'detect.language.ru',
  en: 'detect.language.en',
};

export const SEVERITY_LABELS: Record<Severity, TranslationKey> = {
  low: 'detect.severity.low',
  medium: 'detect.severity.medium',
  high: 'detect.severity.high',
  critical: 'detect.severity.critical',
};

export const SEVERITY_BADGES: Record<Severity, string> = {
  low: 'badge badge-muted',
  medium: 'badge badge-info',
  high: 'badge badge-warning',
  critical: 'badge badge-danger',
};

export const ALGORITHM_LABELS: Record<Algorithm, TranslationKey> = {
  pdq: 'detect.algorithm.pdq',
  md5: 'detect.algorithm.md5',
  sha256: 'detect.algorithm.sha256',
};

export const STATE_LABELS: Record<AlertState, TranslationKey> = {
  open: 'detect.state.open',
  escalated: 'detect.state.escalated',
  held: 'detect.state.held',
  confirmed: 'detect.state.confirmed',
  dismissed: 'detect.state.dismissed',
};

export const STATE_BADGES: Record<AlertState, string> = {
  open: 'badge badge-info',
  escalated: 'badge badge-warning',
  held: 'badge badge-muted',
  confirmed: 'badge badge-danger',
  dismissed: 'badge badge-ok',
};

export const ALERT_KIND_LABELS: Record<AlertKind, TranslationKey> = {
  text: 'detect.alert_kind.text',
  image: 'detect.alert_kind.image',
  exact: 'detect.alert_kind.exact',
};

export const FORMAT_LABELS: Record<FileFormat, TranslationKey> = {
  csv: 'detect.format.csv',
  json: 'detect.format.json',
};

export const MODE_LABELS: Record<ImportMode, TranslationKey> = {
  append: 'detect.import.mode_append',
  replace: 'detect.import.mode_replace',
};

export const isListKind = (value: unknown): value is ListKind =>
  typeof value === 'string' && (LIST_KINDS as readonly string[]).includes(value);
export const isIndicatorKind = (value: unknown): value is IndicatorKind =>
  typeof value === 'string' && (INDICATOR_KINDS as readonly string[]).includes(value);
export const isIndicatorLanguage = (value: unknown): value is IndicatorLanguage =>
  typeof value === 'string' && (INDICATOR_LANGUAGES as readonly string[]).includes(value);
export const isSeverity = (value: unknown): value is Severity =>
  typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
export const isAlgorithm = (value: unknown): value is Algorithm =>
  typeof value === 'string' && (ALGORITHMS as readonly string[]).includes(value);
export const isAlertState = (value: unknown): value is AlertState =>
  typeof value === 'string' && (ALERT_STATES as readonly string[]).includes(value);
export const isAlertKind = (value: unknown): value is AlertKind =>
  typeof value === 'string' && (ALERT_KINDS as readonly string[]).includes(value);

/** True for alerts that still wait for a decision (confirmed and dismissed ones are final). */
export function isUndecided(alert: Pick<Alert, 'state'>): boolean {
  return alert.state !== 'confirmed' && alert.state !== 'dismissed';
}

/** Precision as a whole percentage, or null before the first decision. */
export function precisionPercent(precision: number | null | undefined): number | null {
  if (precision === null || precision === undefined || !Number.isFinite(precision)) return null;
  return Math.round(Math.min(1, Math.max(0, precision)) * 100);
}

/** Labels typed as "a, b; c" into the bank form: trimmed, without empties or repeats. */
export function parseLabels(text: string): string[] {
  const seen = new Set<string>();
  for (const part of text.split(/[,;\n]/)) {
    const label = part.trim();
    if (label !== '') seen.add(label);
  }
  return [...seen];
}
