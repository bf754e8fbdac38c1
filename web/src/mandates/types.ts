// Monitoring mandates and personas (issue 5; the server's contract is src/mandates/mandates.h):
// the JSON shapes, the names of states, levels, mechanisms and scope kinds, and the pure helpers
// of the pages: paths, the request form's checks (what is still missing before a mandate can be
// submitted) and the body it sends, and what changed between two versions.
import { buildQuery } from '../app/api';
import type { TranslationKey } from '../app/i18n';
import { utcToZonedLocal, zonedLocalToUtc } from '../app/time';
import type { Language } from '../app/types';
import type { Id, Person } from '../cases/types';

export const MANDATE_STATES = [
  'draft',
  'pending',
  'approved',
  'rejected',
  'expired',
  'revoked',
] as const;
export type MandateState = (typeof MANDATE_STATES)[number];

export const LEVELS = ['overt', 'discreet', 'covert'] as const;
export type Level = (typeof LEVELS)[number];

export const MECHANISMS = ['manual', 'automated', 'persona'] as const;
export type Mechanism = (typeof MECHANISMS)[number];

export const SCOPE_KINDS = ['domain', 'account', 'url_prefix', 'platform'] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];

/** Platforms offered for account and platform entries (the server takes lower-case names). */
export const PLATFORMS = [
  'telegram',
  'vk',
  'web',
  'rss',
  'x',
  'tiktok',
  'instagram',
  'facebook',
  'youtube',
  'ok',
  'whatsapp',
] as const;

export const PERSONA_STATUSES = ['active', 'suspended', 'retired'] as const;
export type PersonaStatus = (typeof PERSONA_STATUSES)[number];

export interface ScopeEntry {
  kind: ScopeKind | string;
  platform?: string;
  value: string;
}

/** What the caller may do with a mandate now (the server's answer; it checks again). */
export interface MandateCan {
  edit: boolean;
  submit: boolean;
  approve: boolean;
  reject: boolean;
  revoke: boolean;
}

export interface Mandate {
  id: Id;
  agency_id: Id;
  version: number;
  purpose: string;
  case_id: Id | null;
  case_number: string | null;
  predicate: string;
  level: Level | string;
  mechanism: Mechanism | string;
  scope: ScopeEntry[];
  starts_at: string | null;
  ends_at: string | null;
  storage_days: number | null;
  justification: string;
  requester: Person;
  state: MandateState | string;
  approved_by: Person | null;
  approved_at: string | null;
  head_approved_by: Person | null;
  head_approved_at: string | null;
  needs_head_approval: boolean;
  rejection_reason: string;
  revocation_reason: string;
  created_at: string;
  updated_at: string;
  can?: Partial<MandateCan>;
}

/** The body of POST /api/v1/mandates and PUT /api/v1/mandates/{id}. */
export interface MandateBody {
  purpose: string;
  case_id?: Id;
  predicate?: string;
  level?: Level;
  mechanism?: Mechanism;
  scope: ScopeEntry[];
  starts_at?: string;
  ends_at?: string;
  storage_days?: number;
  justification: string;
}

export interface Persona {
  id: Id;
  agency_id: Id;
  platform: string;
  handle: string;
  display_name: string;
  controller: Person;
  mandate_ids: Id[];
  status: PersonaStatus | string;
  created_at: string;
  updated_at: string;
}

// ---- names ----

export const STATE_LABELS: Record<MandateState, TranslationKey> = {
  draft: 'mandates.state.draft',
  pending: 'mandates.state.pending',
  approved: 'mandates.state.approved',
  rejected: 'mandates.state.rejected',
  expired: 'mandates.state.expired',
  revoked: 'mandates.state.revoked',
};

export const STATE_BADGES: Record<MandateState, string> = {
  draft: 'badge badge-muted',
  pending: 'badge badge-warning',
  approved: 'badge badge-ok',
  rejected: 'badge badge-danger',
  expired: 'badge badge-muted',
  revoked: 'badge badge-danger',
};

export const LEVEL_LABELS: Record<Level, TranslationKey> = {
  overt: 'mandates.level.overt',
  discreet: 'mandates.level.discreet',
  covert: 'mandates.level.covert',
};

export const LEVEL_EXPLAINED: Record<Level, TranslationKey> = {
  overt: 'mandates.level.overt_explained',
  discreet: 'mandates.level.discreet_explained',
  covert: 'mandates.level.covert_explained',
};

/** Covert stands out: filled red. */
export const LEVEL_BADGES: Record<Level, string> = {
  overt: 'badge',
  discreet: 'badge badge-info',
  covert: 'badge badge-covert',
};

export const MECHANISM_LABELS: Record<Mechanism, TranslationKey> = {
  manual: 'mandates.mechanism.manual',
  automated: 'mandates.mechanism.automated',
  persona: 'mandates.mechanism.persona',
};

export const MECHANISM_EXPLAINED: Record<Mechanism, TranslationKey> = {
  manual: 'mandates.mechanism.manual_explained',
  automated: 'mandates.mechanism.automated_explained',
  persona: 'mandates.mechanism.persona_explained',
};

export const SCOPE_KIND_LABELS: Record<ScopeKind, TranslationKey> = {
  domain: 'mandates.scope.kind_domain',
  account: 'mandates.scope.kind_account',
  url_prefix: 'mandates.scope.kind_url_prefix',
  platform: 'mandates.scope.kind_platform',
};

export const SCOPE_KIND_HINTS: Record<ScopeKind, TranslationKey> = {
  domain: 'mandates.scope.hint_domain',
  account: 'mandates.scope.hint_account',
  url_prefix: 'mandates.scope.hint_url_prefix',
  platform: 'mandates.scope.hint_platform',
};

export const PERSONA_STATUS_LABELS: Record<PersonaStatus, TranslationKey> = {
  active: 'personas.status.active',
  suspended: 'personas.status.suspended',
  retired: 'personas.status.retired',
};

function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}

export const isMandateState = (value: unknown): value is MandateState =>
  isOneOf(MANDATE_STATES, value);
export const isLevel = (value: unknown): value is Level => isOneOf(LEVELS, value);
export const isMechanism = (value: unknown): value is Mechanism => isOneOf(MECHANISMS, value);
export const isScopeKind = (value: unknown): value is ScopeKind => isOneOf(SCOPE_KINDS, value);
export const isPersonaStatus = (value: unknown): value is PersonaStatus =>
  isOneOf(PERSONA_STATUSES, value);

// ---- paths ----

const segment = (id: Id) => encodeURIComponent(String(id));

export const MANDATES_PATH = '/api/v1/mandates';
export const PERSONAS_PATH = '/api/v1/personas';
export const mandatePath = (id: Id) => `${MANDATES_PATH}/${segment(id)}`;
export const personaPath = (id: Id) => `${PERSONAS_PATH}/${segment(id)}`;
export const mandatePagePath = (id: Id) => `/mandates/${segment(id)}`;
export const mandateEditPath = (id: Id) => `/mandates/${segment(id)}/edit`;
/** The written request as a PDF: a plain link (the browser downloads it with the cookie). */
export const requestPdfPath = (id: Id, language: Language) =>
  `${mandatePath(id)}/request.pdf${buildQuery({ lang: language })}`;

/** The list's filters, in the page URL: /mandates?state=pending or /mandates?awaiting=me. */
export interface MandateFilters {
  state: MandateState | '';
  awaiting: boolean;
}

export function mandateFiltersFromSearch(search: string): MandateFilters {
  const params = new URLSearchParams(search);
  const state = params.get('state') ?? '';
  return {
    state: isMandateState(state) ? state : '',
    awaiting: params.get('awaiting') === 'me',
  };
}

export function mandateFiltersToSearch(filters: MandateFilters): string {
  return buildQuery({ state: filters.state, awaiting: filters.awaiting ? 'me' : '' });
}

export function mandatesListPath(filters: MandateFilters): string {
  return `${MANDATES_PATH}${mandateFiltersToSearch(filters)}`;
}

// ---- the request form ----

/** One row of the scope editor; `key` keeps React's rows apart when one is removed. */
export interface ScopeRow {
  key: number;
  kind: ScopeKind;
  platform: string;
  value: string;
}

export interface MandateFormValues {
  purpose: string;
  /** The chosen case's id as text ('' = none: the predicate is the basis). */
  caseId: string;
  predicate: string;
  level: Level | '';
  mechanism: Mechanism | '';
  scope: ScopeRow[];
  /** As typed into the datetime-local inputs, in the user's time zone. */
  startsLocal: string;
  endsLocal: string;
  storageDays: string;
  justification: string;
}

/** Fields the server may name in a 400 (`scope` also as `scope[2]`, `scope[2].value`...). */
export const MANDATE_FIELDS = [
  'purpose',
  'case_id',
  'predicate',
  'level',
  'mechanism',
  'scope',
  'starts_at',
  'ends_at',
  'storage_days',
  'justification',
] as const;
export type MandateField = (typeof MANDATE_FIELDS)[number];

/** The longest storage period the form accepts (ten years); the server has the last word. */
export const MAX_STORAGE_DAYS = 3650;

export function emptyMandateForm(): MandateFormValues {
  return {
    purpose: '',
    caseId: '',
    predicate: '',
    level: '',
    mechanism: '',
    scope: [],
    startsLocal: '',
    endsLocal: '',
    storageDays: '',
    justification: '',
  };
}

export function mandateToForm(mandate: Mandate, timeZone: string): MandateFormValues {
  return {
    purpose: mandate.purpose,
    caseId:
      mandate.case_id === null || mandate.case_id === undefined ? '' : String(mandate.case_id),
    predicate: mandate.predicate ?? '',
    level: isLevel(mandate.level) ? mandate.level : '',
    mechanism: isMechanism(mandate.mechanism) ? mandate.mechanism : '',
    scope: (mandate.scope ?? []).map((entry, index) => ({
      key: index + 1,
      kind: isScopeKind(entry.kind) ? entry.kind : 'domain',
      platform: entry.platform ?? '',
      value: entry.kind === 'platform' ? '' : entry.value,
    })),
    startsLocal: utcToZonedLocal(mandate.starts_at, timeZone),
    endsLocal: utcToZonedLocal(mandate.ends_at, timeZone),
    storageDays:
      mandate.storage_days === null || mandate.storage_days === undefined || !mandate.storage_days
        ? ''
        : String(mandate.storage_days),
    justification: mandate.justification ?? '',
  };
}

export type ScopeProblem = Partial<Record<'platform' | 'value', TranslationKey>>;

const DOMAIN =
  /^(?=.{1,253}$)[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,62})(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,62}))+$/u;

/** What is wrong with one scope entry (nothing when it is fine). */
export function checkScopeRow(row: ScopeRow): ScopeProblem {
  const value = row.value.trim();
  const problem: ScopeProblem = {};
  if ((row.kind === 'account' || row.kind === 'platform') && row.platform.trim() === '')
    problem.platform = 'mandates.scope.error_platform';
  switch (row.kind) {
    case 'domain':
      if (value === '') problem.value = 'mandates.scope.error_value';
      else if (/^[a-z]+:\/\//i.test(value) || value.includes('/'))
        problem.value = 'mandates.scope.error_domain_plain';
      else if (!DOMAIN.test(value.replace(/\.$/, '')))
        problem.value = 'mandates.scope.error_domain';
      break;
    case 'account':
      if (value === '') problem.value = 'mandates.scope.error_value';
      else if (/\s/.test(value)) problem.value = 'mandates.scope.error_account';
      break;
    case 'url_prefix':
      if (value === '') problem.value = 'mandates.scope.error_value';
      else if (!isWebAddress(value)) problem.value = 'mandates.scope.error_url';
      break;
    case 'platform':
      break;
  }
  return problem;
}

function isWebAddress(text: string): boolean {
  if (!/^https?:\/\//i.test(text)) return false;
  try {
    return new URL(text).hostname !== '';
  } catch {
    return false;
  }
}

/** A scope row as the API takes it; a platform entry names its platform as its value too. */
export function scopeEntryOf(row: ScopeRow): ScopeEntry {
  const platform = row.platform.trim().toLowerCase();
  const value = row.value.trim();
  switch (row.kind) {
    case 'domain':
      return { kind: 'domain', value: value.toLowerCase().replace(/\.$/, '') };
    case 'url_prefix':
      return { kind: 'url_prefix', value };
    case 'account':
      return { kind: 'account', platform, value: value.replace(/^@/, '') };
    case 'platform':
      return { kind: 'platform', platform, value: platform };
  }
}

/** The things a mandate needs before it can be submitted, in the form's order. */
export const ESSENTIALS = [
  'purpose',
  'basis',
  'level',
  'mechanism',
  'scope',
  'window',
  'storage',
  'justification',
] as const;
export type Essential = (typeof ESSENTIALS)[number];

export const ESSENTIAL_LABELS: Record<Essential, TranslationKey> = {
  purpose: 'mandates.essential.purpose',
  basis: 'mandates.essential.basis',
  level: 'mandates.essential.level',
  mechanism: 'mandates.essential.mechanism',
  scope: 'mandates.essential.scope',
  window: 'mandates.essential.window',
  storage: 'mandates.essential.storage',
  justification: 'mandates.essential.justification',
};

export interface FormCheck {
  /** Messages for fields, keyed by the API's field names. */
  fields: Partial<Record<MandateField, TranslationKey>>;
  /** Messages for scope rows, by row key. */
  rows: Map<number, ScopeProblem>;
  /** Essentials not yet given (empty: the mandate may be submitted). */
  missing: Essential[];
  /** The body to send, when nothing blocks the intended action. */
  body: MandateBody | null;
}

function storageDaysOf(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  const days = Number(trimmed);
  return days >= 1 && days <= MAX_STORAGE_DAYS ? days : null;
}

/**
 * Checks the form for `intent`: a draft needs what the server keeps a draft with (purpose,
 * level, mechanism, window, storage period) and well-formed values; a submission needs every
 * essential. `cases` maps the case select's values to the ids the
 * server gave (sent with their JSON type).
 */
export function checkMandateForm(
  values: MandateFormValues,
  intent: 'draft' | 'submit',
  timeZone: string,
  cases: ReadonlyMap<string, Id>,
): FormCheck {
  const fields: FormCheck['fields'] = {};
  const rows = new Map<number, ScopeProblem>();
  const missing: Essential[] = [];

  const purpose = values.purpose.trim();
  if (purpose === '') missing.push('purpose');
  const predicate = values.predicate.trim();
  const caseId = values.caseId === '' ? undefined : (cases.get(values.caseId) ?? values.caseId);
  if (caseId === undefined && predicate === '') missing.push('basis');
  if (values.level === '') missing.push('level');
  if (values.mechanism === '') missing.push('mechanism');

  for (const row of values.scope) {
    const problem = checkScopeRow(row);
    if (Object.keys(problem).length > 0) rows.set(row.key, problem);
  }
  if (values.scope.length === 0 || rows.size > 0) missing.push('scope');

  const startsAt = values.startsLocal === '' ? '' : zonedLocalToUtc(values.startsLocal, timeZone);
  const endsAt = values.endsLocal === '' ? '' : zonedLocalToUtc(values.endsLocal, timeZone);
  if (startsAt === null) fields.starts_at = 'mandates.form.error_time';
  if (endsAt === null) fields.ends_at = 'mandates.form.error_time';
  if (startsAt && endsAt && Date.parse(endsAt) <= Date.parse(startsAt))
    fields.ends_at = 'mandates.form.error_window_order';
  if (!startsAt || !endsAt || fields.ends_at !== undefined) missing.push('window');

  const storageDays = storageDaysOf(values.storageDays);
  if (values.storageDays.trim() !== '' && storageDays === null)
    fields.storage_days = 'mandates.form.error_storage';
  if (storageDays === null) missing.push('storage');

  const justification = values.justification.trim();
  if (justification === '') missing.push('justification');

  // Which of the missing essentials are errors now: all of them when submitting; for a draft,
  // what the server needs to keep one (DRAFT_NEEDS).
  if (purpose === '') fields.purpose = 'mandates.form.error_purpose';
  if (values.level === '') fields.level = 'mandates.form.error_level';
  if (values.mechanism === '') fields.mechanism = 'mandates.form.error_mechanism';
  if (startsAt === '') fields.starts_at ??= 'mandates.form.error_starts';
  if (endsAt === '') fields.ends_at ??= 'mandates.form.error_ends';
  if (values.storageDays.trim() === '') fields.storage_days = 'mandates.form.error_storage';
  if (intent === 'submit') {
    if (missing.includes('basis')) fields.predicate = 'mandates.form.error_basis';
    if (values.scope.length === 0) fields.scope = 'mandates.form.error_scope';
    if (justification === '') fields.justification = 'mandates.form.error_justification';
  }

  const blocked = Object.keys(fields).length > 0 || rows.size > 0;
  if (blocked) return { fields, rows, missing, body: null };
  const body: MandateBody = {
    purpose,
    scope: values.scope.map(scopeEntryOf),
    justification,
  };
  if (caseId !== undefined) body.case_id = caseId;
  if (predicate !== '') body.predicate = predicate;
  if (values.level !== '') body.level = values.level;
  if (values.mechanism !== '') body.mechanism = values.mechanism;
  if (startsAt) body.starts_at = startsAt;
  if (endsAt) body.ends_at = endsAt;
  if (storageDays !== null) body.storage_days = storageDays;
  return { fields, rows, missing, body };
}

/**
 * The server's error field as the form knows it: a field name, or a scope row's index and part
 * for `scope[2]`, `scope[2].value`, `scope.2.platform`.
 */
export function locateField(
  field: string | undefined,
):
  | { kind: 'field'; field: MandateField }
  | { kind: 'row'; index: number; part: 'platform' | 'value' }
  | null {
  if (field === undefined) return null;
  const row = /^scope(?:\[(\d+)\]|\.(\d+))(?:\.(\w+))?$/.exec(field);
  if (row !== null) {
    const index = Number(row[1] ?? row[2]);
    return { kind: 'row', index, part: row[3] === 'platform' ? 'platform' : 'value' };
  }
  return (MANDATE_FIELDS as readonly string[]).includes(field)
    ? { kind: 'field', field: field as MandateField }
    : null;
}

// ---- what the page shows ----

/** Who still has to approve: the supervisor, then (covert) the head, or nobody. */
export function nextApprover(mandate: Mandate): 'supervisor' | 'head' | null {
  if (mandate.state !== 'pending') return null;
  if (mandate.approved_by === null || mandate.approved_by === undefined) return 'supervisor';
  if (
    (mandate.needs_head_approval || mandate.level === 'covert') &&
    (mandate.head_approved_by === null || mandate.head_approved_by === undefined)
  )
    return 'head';
  return null;
}

/** Fields compared between versions, in the order the page lists changes. */
export const VERSION_FIELDS = [
  'purpose',
  'case_id',
  'predicate',
  'level',
  'mechanism',
  'scope',
  'starts_at',
  'ends_at',
  'storage_days',
  'justification',
  'state',
  'approved_by',
  'head_approved_by',
] as const;
export type VersionField = (typeof VERSION_FIELDS)[number];

/** The fields whose value differs from `previous` (every field for the first version). */
export function changedFields(previous: Mandate | null, next: Mandate): VersionField[] {
  if (previous === null) return [];
  return VERSION_FIELDS.filter(
    (field) => JSON.stringify(previous[field] ?? null) !== JSON.stringify(next[field] ?? null),
  );
}

/** Versions oldest first. */
export function sortVersions(versions: readonly Mandate[]): Mandate[] {
  return [...versions].sort((left, right) => left.version - right.version);
}

export function personName(person: Person | null | undefined): string {
  if (person === null || person === undefined) return '';
  return person.display_name || person.username;
}
