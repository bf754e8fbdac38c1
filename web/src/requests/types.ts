// Requests to service providers (issue 7; docs/api.md, "Requests to service providers"): the
// JSON shapes, the names of types, states, categories and identifier kinds, and the pure helpers
// of the pages: paths, which request may follow which (the chain), the wizard's steps and what
// each still misses, the body a draft sends, the linter's warnings sorted by field and step,
// the lifecycle line and the calendar's month grid.
import { buildQuery } from '../app/api';
import type { TranslationKey } from '../app/i18n';
import { zonedDayStartToUtc, nextDay, utcToZonedLocal } from '../app/time';
import type { Id, Person } from '../cases/types';

// ---- names ----

export const REQUEST_TYPES = [
  'preservation',
  'preservation_extension',
  'voluntary_disclosure',
  'emergency_disclosure',
  'production_order',
  'mla_request',
  'network_24_7',
] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

export const REQUEST_STATES = [
  'draft',
  'legal_review',
  'approved',
  'sent',
  'acknowledged',
  'preserved',
  'produced',
  'partly_produced',
  'refused',
  'expired',
  'closed',
] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

export const CATEGORIES = ['subscriber', 'traffic', 'content', 'transaction'] as const;
export type Category = (typeof CATEGORIES)[number];

export const IDENTIFIER_KINDS = [
  'phone',
  'email',
  'url',
  'username',
  'user_id',
  'video_id',
  'ip',
] as const;
export type IdentifierKind = (typeof IDENTIFIER_KINDS)[number];

export const CHANNELS = [
  'portal',
  'email',
  'emergency',
  'post',
  '24_7_network',
  'central_authority',
] as const;

export const OUTCOMES = ['produced', 'partly_produced', 'refused', 'expired'] as const;
export type OutcomeState = (typeof OUTCOMES)[number];

export const DOCUMENT_LANGUAGES = ['kk', 'ru', 'en'] as const;

function isOneOf<T extends string>(list: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (list as readonly string[]).includes(value);
}
export const isRequestType = (value: unknown): value is RequestType =>
  isOneOf(REQUEST_TYPES, value);
export const isRequestState = (value: unknown): value is RequestState =>
  isOneOf(REQUEST_STATES, value);
export const isCategory = (value: unknown): value is Category => isOneOf(CATEGORIES, value);
export const isIdentifierKind = (value: unknown): value is IdentifierKind =>
  isOneOf(IDENTIFIER_KINDS, value);

export const TYPE_LABELS: Record<RequestType, TranslationKey> = {
  preservation: 'requests.type.preservation',
  preservation_extension: 'requests.type.preservation_extension',
  voluntary_disclosure: 'requests.type.voluntary_disclosure',
  emergency_disclosure: 'requests.type.emergency_disclosure',
  production_order: 'requests.type.production_order',
  mla_request: 'requests.type.mla_request',
  network_24_7: 'requests.type.network_24_7',
};

export const TYPE_EXPLAINED: Record<RequestType, TranslationKey> = {
  preservation: 'requests.type_explained.preservation',
  preservation_extension: 'requests.type_explained.preservation_extension',
  voluntary_disclosure: 'requests.type_explained.voluntary_disclosure',
  emergency_disclosure: 'requests.type_explained.emergency_disclosure',
  production_order: 'requests.type_explained.production_order',
  mla_request: 'requests.type_explained.mla_request',
  network_24_7: 'requests.type_explained.network_24_7',
};

export const STATE_LABELS: Record<RequestState, TranslationKey> = {
  draft: 'requests.state.draft',
  legal_review: 'requests.state.legal_review',
  approved: 'requests.state.approved',
  sent: 'requests.state.sent',
  acknowledged: 'requests.state.acknowledged',
  preserved: 'requests.state.preserved',
  produced: 'requests.state.produced',
  partly_produced: 'requests.state.partly_produced',
  refused: 'requests.state.refused',
  expired: 'requests.state.expired',
  closed: 'requests.state.closed',
};

export const STATE_BADGES: Record<RequestState, string> = {
  draft: 'badge badge-muted',
  legal_review: 'badge badge-warning',
  approved: 'badge badge-info',
  sent: 'badge badge-info',
  acknowledged: 'badge badge-info',
  preserved: 'badge badge-ok',
  produced: 'badge badge-ok',
  partly_produced: 'badge badge-warning',
  refused: 'badge badge-danger',
  expired: 'badge badge-danger',
  closed: 'badge badge-muted',
};

export const CATEGORY_LABELS: Record<Category, TranslationKey> = {
  subscriber: 'requests.category.subscriber',
  traffic: 'requests.category.traffic',
  content: 'requests.category.content',
  transaction: 'requests.category.transaction',
};

export const KIND_LABELS: Record<IdentifierKind, TranslationKey> = {
  phone: 'requests.kind.phone',
  email: 'requests.kind.email',
  url: 'requests.kind.url',
  username: 'requests.kind.username',
  user_id: 'requests.kind.user_id',
  video_id: 'requests.kind.video_id',
  ip: 'requests.kind.ip',
};

export const CHANNEL_LABELS: Record<string, TranslationKey> = {
  portal: 'requests.channel.portal',
  email: 'requests.channel.email',
  emergency: 'requests.channel.emergency',
  post: 'requests.channel.post',
  '24_7_network': 'requests.channel.24_7_network',
  central_authority: 'requests.channel.central_authority',
};

export const PROCESS_LABELS: Record<string, TranslationKey> = {
  voluntary_disclosure: 'requests.process.voluntary_disclosure',
  mla_request: 'requests.process.mla_request',
  court_order: 'requests.process.court_order',
  not_available: 'requests.process.not_available',
};

export const DEADLINE_KIND_LABELS: Record<string, TranslationKey> = {
  preservation_expires: 'requests.deadline.preservation_expires',
  latest_extension: 'requests.deadline.latest_extension',
  mla_by: 'requests.deadline.mla_by',
  response_due: 'requests.deadline.response_due',
  validation: 'requests.deadline.validation',
};

export const REMINDER_LABELS: Record<string, TranslationKey> = {
  '14_days_before': 'requests.reminder.14_days_before',
  '7_days_before': 'requests.reminder.7_days_before',
  '1_hour_before': 'requests.reminder.1_hour_before',
  at_deadline: 'requests.reminder.at_deadline',
};

export const REFUSAL_LABELS: Record<string, TranslationKey> = {
  wrong_entity: 'requests.refusal.wrong_entity',
  no_legal_basis: 'requests.refusal.no_legal_basis',
  over_broad: 'requests.refusal.over_broad',
  invalid_identifier: 'requests.refusal.invalid_identifier',
  content_needs_mla: 'requests.refusal.content_needs_mla',
  not_emergency: 'requests.refusal.not_emergency',
  no_data: 'requests.refusal.no_data',
  not_translated: 'requests.refusal.not_translated',
  no_jurisdiction: 'requests.refusal.no_jurisdiction',
  other: 'requests.refusal.other',
};

export const EVENT_LABELS: Record<string, TranslationKey> = {
  create: 'requests.event.create',
  update: 'requests.event.update',
  submit: 'requests.event.submit',
  return: 'requests.event.return',
  approve: 'requests.event.approve',
  send: 'requests.event.send',
  acknowledge: 'requests.event.acknowledge',
  preserve: 'requests.event.preserve',
  outcome: 'requests.event.outcome',
  close: 'requests.event.close',
  response: 'requests.event.response',
  expire: 'requests.event.expire',
};

export const FACT_LABELS: Record<string, TranslationKey> = {
  legal_entities: 'directory.group.legal_entities',
  channels: 'directory.group.channels',
  preservation: 'directory.group.preservation',
  emergency: 'directory.group.emergency',
  requirements: 'directory.group.requirements',
  data_categories: 'directory.group.data_categories',
  notes: 'directory.group.notes',
  retention: 'directory.group.retention',
};

// ---- JSON shapes ----

/** An instant as the server writes it: UTC milliseconds (RFC 3339 text is read too). */
export type Instant = string | number | null | undefined;

/** RFC 3339 text of an instant in either form; '' when there is none. */
export function isoOf(value: Instant): string {
  if (value === null || value === undefined || value === '') return '';
  if (typeof value === 'number') return new Date(value).toISOString();
  return value;
}

/** Milliseconds of an instant in either form; null when there is none or it is not a time. */
export function millisOf(value: Instant): number | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'number') return value;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? null : parsed;
}

export interface Identifier {
  kind: IdentifierKind | string;
  value: string;
}

export interface Localized {
  kk?: string;
  ru?: string;
  en?: string;
}

export interface LintWarning {
  code: string;
  field: string;
  severity: 'error' | 'warning' | string;
  message: Localized | string;
  reason: string;
  source: string;
}

export interface LocalTime {
  zone: string;
  date: string;
  text: string;
}

export interface Deadline {
  kind: string;
  rule_id: string;
  source: string;
  confidence: string;
  text: string;
  due: Instant;
  comparison_only: boolean;
  in_hours: boolean;
  user_local?: LocalTime | null;
  provider_local?: LocalTime | null;
  reminders?: { at: Instant; label: string }[];
}

export interface Problem {
  code: string;
  rule_id: string;
  source: string;
  message: string;
}

export interface RetentionWarning {
  retention_id: string;
  data: string;
  source: string;
  confidence: string;
  request_before?: Instant;
  user_local?: LocalTime | null;
  already_gone: boolean;
  message: string;
}

/** What a drafter writes (the body of POST /api/v1/requests and PATCH). */
export interface RequestFields {
  type: RequestType | string;
  case_id: Id;
  previous_id?: Id | null;
  provider?: string | null;
  entity_name?: string | null;
  country?: string | null;
  user_country?: string | null;
  language: string;
  english_translation?: boolean;
  legal_basis?: string | null;
  offence_article?: string | null;
  offence_summary?: string | null;
  necessity?: string | null;
  urgency?: string | null;
  prosecution_and_court?: string | null;
  confidential?: boolean;
  range_from?: Instant;
  range_to?: Instant;
  all_data?: boolean;
  categories: string[];
  identifiers: Identifier[];
  emergency_fields: Record<string, string>;
  notes?: string | null;
}

export interface ProviderRequest extends RequestFields {
  id: Id;
  reference: string;
  version: number;
  state: RequestState | string;
  agency_id: Id;
  case_number: string;
  chain_id: Id;
  provider_hash: string;
  directory_version: string;
  created_by: Person | null;
  created_at: Instant;
  updated_at: Instant;
  approved_by?: Person | null;
  approved_at?: Instant;
  returned_reason?: string;
  sent_at?: Instant;
  channel?: string;
  ticket?: string;
  acknowledged_at?: Instant;
  preserved_at?: Instant;
  preserved_until?: Instant;
  first_answer_at?: Instant;
  outcome_at?: Instant;
  refusal_code?: string;
  outcome_text?: string;
  closed_at?: Instant;
  document_sha256?: string;
  document_language?: string;
  document_size?: number;
  response_evidence_ids?: Id[];
}

export interface RequestCan {
  edit: boolean;
  submit: boolean;
  approve: boolean;
  send: boolean;
  acknowledge: boolean;
  preserve: boolean;
  outcome: boolean;
  close: boolean;
  add_response: boolean;
}

export interface EntryChange {
  path: string;
  before: string;
  after: string;
  added?: boolean;
  removed?: boolean;
}

export interface RequestView {
  request: ProviderRequest;
  can: Partial<RequestCan>;
  warnings: LintWarning[];
  deadlines: Deadline[];
  problems: Problem[];
  retention: RetentionWarning[];
  provider_changed: boolean;
  provider_changes: EntryChange[];
  chain: ProviderRequest[];
}

export interface LintAnswer {
  warnings: LintWarning[];
  deadlines: Deadline[];
  problems: Problem[];
  retention: RetentionWarning[];
}

export interface RequestEvent {
  id: Id;
  action: string;
  from_state: string;
  to_state: string;
  actor: Person | null;
  at: Instant;
  detail: unknown;
}

export interface CaseIdentifier {
  kind: string;
  value: string;
  platform: string;
  where: string;
}

export interface CalendarEntry {
  request_id: Id;
  reference: string;
  case_number: string;
  type: string;
  state: string;
  provider: string;
  target: string;
  deadline: Deadline;
}

export interface ReminderEntry {
  id: Id;
  request_id: Id;
  reference: string;
  label: string;
  deadline_kind: string;
  rule_id: string;
  remind_at: Instant;
  due_at: Instant;
  email_state: string;
}

export interface ProviderStats {
  provider: string;
  channel: string;
  requests: number;
  answered: number;
  share_answered: number;
  median_days_to_first_answer: number | null;
  refusals: Record<string, number>;
  produced: number;
  partly_produced: number;
  refused: number;
  expired: number;
  waiting: number;
}

// Directory.
export interface EntitySummary {
  name: string;
  jurisdiction?: string;
  applies_to_text: string;
}

export interface ProviderSummary {
  id: string;
  names: string[];
  entities: EntitySummary[];
  preservation_days: number | null;
  content_hash: string;
}

export interface CountrySummary {
  code: string;
  name: string;
  budapest: string;
  un_cybercrime: string;
  cis_2018: string;
}

export interface DirectoryIndex {
  version: string;
  providers: ProviderSummary[];
  countries: CountrySummary[];
  template?: { fields: { key: string; text: string }[]; source: string };
  refusal_reasons?: { entries: string[]; source: string };
  refusal_codes: string[];
}

export interface Provenance {
  source?: string;
  confidence?: string;
  checked?: string;
  to_check?: string;
}

export interface Fact extends Provenance {
  field: string;
  text: string;
}

export interface LegalEntity {
  name: string;
  jurisdiction: string;
  applies_to?: unknown;
  applies_to_text: string;
  time_zone: string;
}

export interface EmergencyField {
  key: string;
  text: string;
}

/** A provider's entry as in data/requests/providers.json, plus what the server adds. */
export interface ProviderEntry {
  id: string;
  names: string[];
  legal_entities?: { entries: LegalEntity[] } & Provenance;
  channels?: { entries: { kind: string; text: string; address?: string }[] } & Provenance;
  preservation?: {
    days: number;
    max_extensions?: number | null;
    extension_days?: number | null;
    extension_lead_days?: number | null;
    text?: string;
  } & Provenance;
  emergency?: { criterion: string; required_fields: EmergencyField[] } & Provenance;
  requirements?: {
    required_in_request?: string[];
    accepted_identifiers?: string[];
    prefers_numeric_id?: boolean;
    requires_english?: boolean;
    official_email_required?: boolean;
  } & Provenance;
  data_categories?: {
    entries: { category: string; process: string; text: string }[];
  } & Provenance;
  notes?: { text: string } & Provenance;
  retention?: string[];
  content_hash?: string;
  facts?: Fact[];
  entity_for_country?: LegalEntity | string | null;
  versions?: EntryVersion[];
  stats?: ProviderStats[];
}

export interface EntryVersion {
  provider_id: string;
  version: number;
  content_hash: string;
  changed_by: Person | null;
  changed_at: Instant;
  note: string;
  changes: EntryChange[];
}

export interface StatusFact extends Provenance {
  status: string;
  text: string;
}

export interface CountryProfile {
  code: string;
  name: string;
  budapest?: StatusFact;
  un_cybercrime?: StatusFact;
  cis_2018?: StatusFact;
  cloud_act_agreement?: StatusFact | null;
  instruments?: ({ name: string; kind: string; status: string } & Provenance)[];
  central_authority?: { text: string } & Provenance;
  contact_24_7?: { text: string } & Provenance;
  languages?: { codes: string[]; english_accepted: boolean; text: string } & Provenance;
}

// ---- paths ----

export const REQUESTS_API = '/api/v1/requests';
export const requestApiPath = (id: Id) => `${REQUESTS_API}/${encodeURIComponent(String(id))}`;
export const requestPagePath = (id: Id) => `/requests/${encodeURIComponent(String(id))}`;
export const requestEditPath = (id: Id) => `${requestPagePath(id)}/edit`;
export const providerPagePath = (id: string) => `/directory/providers/${encodeURIComponent(id)}`;
export const countryPagePath = (code: string) => `/directory/countries/${encodeURIComponent(code)}`;
export const providerApiPath = (id: string, country?: string) =>
  `/api/v1/directory/providers/${encodeURIComponent(id)}${buildQuery({ country })}`;
export const countryApiPath = (code: string) =>
  `/api/v1/directory/countries/${encodeURIComponent(code)}`;
export const documentPath = (id: Id, language: string) =>
  `${requestApiPath(id)}/document${buildQuery({ lang: language })}`;

export function newRequestPath(params: {
  caseId?: Id | null | undefined;
  previousId?: Id | null | undefined;
  type?: string | undefined;
}): string {
  return `/requests/new${buildQuery({
    case_id: params.caseId === null || params.caseId === undefined ? '' : String(params.caseId),
    previous_id:
      params.previousId === null || params.previousId === undefined
        ? ''
        : String(params.previousId),
    type: params.type ?? '',
  })}`;
}

export interface RequestFilters {
  state: string;
  provider: string;
  caseId: string;
  awaiting: boolean;
  view: 'list' | 'calendar';
  month: string; // YYYY-MM
}

export function filtersFromSearch(search: string): RequestFilters {
  const params = new URLSearchParams(search);
  const state = params.get('state') ?? '';
  const month = params.get('month') ?? '';
  return {
    state: isRequestState(state) ? state : '',
    provider: params.get('provider') ?? '',
    caseId: /^\d+$/.test(params.get('case_id') ?? '') ? (params.get('case_id') ?? '') : '',
    awaiting: params.get('awaiting') === '1',
    view: params.get('view') === 'calendar' ? 'calendar' : 'list',
    month: /^\d{4}-(0[1-9]|1[0-2])$/.test(month) ? month : '',
  };
}

export function filtersToSearch(filters: RequestFilters): string {
  return buildQuery({
    view: filters.view === 'calendar' ? 'calendar' : '',
    state: filters.view === 'list' ? filters.state : '',
    provider: filters.view === 'list' ? filters.provider : '',
    case_id: filters.view === 'list' ? filters.caseId : '',
    awaiting: filters.view === 'list' && filters.awaiting ? '1' : '',
    month: filters.view === 'calendar' ? filters.month : '',
  });
}

/** GET /api/v1/requests with the list's filters. */
export function listApiPath(filters: RequestFilters): string {
  return `${REQUESTS_API}${buildQuery({
    state: filters.state,
    provider: filters.provider,
    case_id: filters.caseId,
    awaiting_approval: filters.awaiting ? 1 : '',
  })}`;
}

// ---- chains ----

/** Whether `next` may follow `previous` in a chain (src/requests/rules.h, MayFollow). */
export function mayFollow(previous: string, next: string): boolean {
  switch (next) {
    case 'preservation_extension':
      return previous === 'preservation' || previous === 'preservation_extension';
    case 'mla_request':
      return [
        'preservation',
        'preservation_extension',
        'network_24_7',
        'emergency_disclosure',
        'voluntary_disclosure',
      ].includes(previous);
    case 'production_order':
      return isRequestType(previous) && previous !== 'production_order';
    case 'preservation':
      return previous === 'network_24_7' || previous === 'emergency_disclosure';
    case 'emergency_disclosure':
    case 'voluntary_disclosure':
      return previous === 'preservation' || previous === 'preservation_extension';
    default:
      return false;
  }
}

/** The types that may continue a chain after `previous`, in the order of REQUEST_TYPES. */
export function followingTypes(previous: string): RequestType[] {
  return REQUEST_TYPES.filter((type) => mayFollow(previous, type));
}

/** A request to a State (MLA, 24/7) rather than to a provider. */
export function toState(type: string): boolean {
  return type === 'mla_request' || type === 'network_24_7';
}

// ---- the wizard ----

export const STEPS = ['start', 'addressee', 'basis', 'data', 'emergency', 'review'] as const;
export type Step = (typeof STEPS)[number];

export const STEP_LABELS: Record<Step, TranslationKey> = {
  start: 'requests.step.start',
  addressee: 'requests.step.addressee',
  basis: 'requests.step.basis',
  data: 'requests.step.data',
  emergency: 'requests.step.emergency',
  review: 'requests.step.review',
};

/** The steps of a request of `type`: the emergency step only for emergency disclosures. */
export function stepsFor(type: string): Step[] {
  return STEPS.filter((step) => step !== 'emergency' || type === 'emergency_disclosure');
}

export interface IdentifierRow {
  key: number;
  kind: string;
  value: string;
}

/** What the wizard edits: dates as "YYYY-MM-DD" in the user's zone. */
export interface WizardValues {
  type: string;
  caseId: string;
  previousId: string;
  provider: string;
  entityName: string;
  country: string;
  userCountry: string;
  language: string;
  englishTranslation: boolean;
  legalBasis: string;
  offenceArticle: string;
  offenceSummary: string;
  necessity: string;
  urgency: string;
  prosecutionAndCourt: string;
  confidential: boolean;
  rangeFrom: string;
  rangeTo: string;
  categories: string[];
  identifiers: IdentifierRow[];
  emergencyFields: Record<string, string>;
  notes: string;
}

let rowKey = 0;
export function identifierRow(kind = 'phone', value = ''): IdentifierRow {
  rowKey += 1;
  return { key: rowKey, kind, value };
}

export function emptyWizard(): WizardValues {
  return {
    type: '',
    caseId: '',
    previousId: '',
    provider: '',
    entityName: '',
    country: '',
    userCountry: 'KZ',
    language: 'ru',
    englishTranslation: false,
    legalBasis: '',
    offenceArticle: '',
    offenceSummary: '',
    necessity: '',
    urgency: '',
    prosecutionAndCourt: '',
    confidential: true,
    rangeFrom: '',
    rangeTo: '',
    categories: [],
    identifiers: [],
    emergencyFields: {},
    notes: '',
  };
}

/** The day "YYYY-MM-DD" in `zone` on which the instant falls; '' when there is none. */
export function dayOf(value: Instant, zone: string): string {
  return utcToZonedLocal(isoOf(value), zone).slice(0, 10);
}

/** The wizard's values of a saved request (editing a draft, or continuing its chain). */
export function requestToWizard(request: ProviderRequest, zone: string): WizardValues {
  return {
    type: request.type,
    caseId: String(request.case_id),
    previousId:
      request.previous_id === null || request.previous_id === undefined
        ? ''
        : String(request.previous_id),
    provider: request.provider ?? '',
    entityName: request.entity_name ?? '',
    country: request.country ?? '',
    userCountry: request.user_country ?? '',
    language: request.language || 'ru',
    englishTranslation: request.english_translation ?? false,
    legalBasis: request.legal_basis ?? '',
    offenceArticle: request.offence_article ?? '',
    offenceSummary: request.offence_summary ?? '',
    necessity: request.necessity ?? '',
    urgency: request.urgency ?? '',
    prosecutionAndCourt: request.prosecution_and_court ?? '',
    confidential: request.confidential ?? true,
    rangeFrom: dayOf(request.range_from, zone),
    rangeTo: dayOf(request.range_to, zone),
    categories: [...(request.categories ?? [])],
    identifiers: (request.identifiers ?? []).map((entry) => identifierRow(entry.kind, entry.value)),
    emergencyFields: { ...(request.emergency_fields ?? {}) },
    notes: request.notes ?? '',
  };
}

/** A new request following `previous` in its chain: the same addressee, data and basis. */
export function continueChain(previous: ProviderRequest, type: string, zone: string): WizardValues {
  const values = requestToWizard(previous, zone);
  return {
    ...values,
    type,
    previousId: String(previous.id),
    emergencyFields: type === 'emergency_disclosure' ? values.emergencyFields : {},
    notes: '',
  };
}

/** The request fields of the wizard's values (what lint, create and update send). */
export function wizardBody(values: WizardValues, zone: string): RequestFields {
  const body: RequestFields = {
    type: values.type,
    case_id: /^\d+$/.test(values.caseId) ? Number(values.caseId) : values.caseId,
    language: values.language,
    english_translation: values.englishTranslation,
    confidential: values.confidential,
    categories: values.categories,
    identifiers: values.identifiers.map((row) => ({ kind: row.kind, value: row.value.trim() })),
    emergency_fields: {},
  };
  const text: [keyof RequestFields, string][] = [
    ['provider', values.provider],
    ['entity_name', values.entityName],
    ['country', values.country.trim().toUpperCase()],
    ['user_country', values.userCountry.trim().toUpperCase()],
    ['legal_basis', values.legalBasis],
    ['offence_article', values.offenceArticle],
    ['offence_summary', values.offenceSummary],
    ['necessity', values.necessity],
    ['urgency', values.urgency],
    ['prosecution_and_court', values.prosecutionAndCourt],
    ['notes', values.notes],
  ];
  // A blank text is sent as null: PATCH keeps what a body leaves out, and null clears it.
  const record = body as unknown as Record<string, unknown>;
  for (const [key, value] of text) record[key] = value.trim() === '' ? null : value.trim();
  // A request goes to a provider's legal entity, or (MLA, 24/7) to a State.
  if (toState(values.type)) {
    record.provider = null;
    record.entity_name = null;
  } else record.country = null;
  record.previous_id = values.previousId === '' ? null : Number(values.previousId);
  record.range_from = null;
  record.range_to = null;
  const from = values.rangeFrom === '' ? null : zonedDayStartToUtc(values.rangeFrom, zone);
  // The range ends with the last millisecond of its last day.
  const toNext = values.rangeTo === '' ? null : zonedDayStartToUtc(nextDay(values.rangeTo), zone);
  // Instants travel as UTC milliseconds.
  if (from !== null) body.range_from = Date.parse(from);
  if (toNext !== null) body.range_to = Date.parse(toNext) - 1;
  if (values.type === 'emergency_disclosure') {
    for (const [key, value] of Object.entries(values.emergencyFields))
      if (value.trim() !== '') body.emergency_fields[key] = value.trim();
  }
  return body;
}

/** The essentials a step cannot go on without (like the UNODC MLA Request Writer Tool). */
export type Essential =
  | 'type'
  | 'case'
  | 'previous'
  | 'provider'
  | 'entity'
  | 'country'
  | 'legal_basis'
  | 'offence_article'
  | 'identifiers'
  | 'range'
  | 'categories'
  | 'criterion'
  | 'emergency_fields';

export const ESSENTIAL_LABELS: Record<Essential, TranslationKey> = {
  type: 'requests.essential.type',
  case: 'requests.essential.case',
  previous: 'requests.essential.previous',
  provider: 'requests.essential.provider',
  entity: 'requests.essential.entity',
  country: 'requests.essential.country',
  legal_basis: 'requests.essential.legal_basis',
  offence_article: 'requests.essential.offence_article',
  identifiers: 'requests.essential.identifiers',
  range: 'requests.essential.range',
  categories: 'requests.essential.categories',
  criterion: 'requests.essential.criterion',
  emergency_fields: 'requests.essential.emergency_fields',
};

/** What `step` still misses; `requiredEmergency` are the provider's emergency field keys. */
export function missingEssentials(
  step: Step,
  values: WizardValues,
  requiredEmergency: readonly string[] = [],
): Essential[] {
  const missing: Essential[] = [];
  const blank = (value: string) => value.trim() === '';
  switch (step) {
    case 'start':
      if (!isRequestType(values.type)) missing.push('type');
      if (blank(values.caseId)) missing.push('case');
      if (values.type === 'preservation_extension' && blank(values.previousId))
        missing.push('previous');
      break;
    case 'addressee':
      if (toState(values.type)) {
        if (!/^[A-Za-z]{2}$/.test(values.country.trim())) missing.push('country');
      } else {
        if (blank(values.provider)) missing.push('provider');
        if (blank(values.entityName)) missing.push('entity');
      }
      break;
    case 'basis':
      if (blank(values.legalBasis)) missing.push('legal_basis');
      if (values.type !== 'emergency_disclosure' && blank(values.offenceArticle))
        missing.push('offence_article');
      break;
    case 'data':
      if (values.identifiers.length === 0 || values.identifiers.some((row) => blank(row.value)))
        missing.push('identifiers');
      if (blank(values.rangeFrom) || blank(values.rangeTo)) missing.push('range');
      if (values.categories.length === 0) missing.push('categories');
      break;
    case 'emergency':
      if (blank(values.emergencyFields.criterion ?? '')) missing.push('criterion');
      if (requiredEmergency.some((key) => blank(values.emergencyFields[key] ?? '')))
        missing.push('emergency_fields');
      break;
    case 'review':
      break;
  }
  return missing;
}

const FIELD_STEPS: Record<string, Step> = {
  type: 'start',
  case_id: 'start',
  previous_id: 'start',
  provider: 'addressee',
  entity_name: 'addressee',
  country: 'addressee',
  user_country: 'addressee',
  legal_basis: 'basis',
  offence_article: 'basis',
  offence_summary: 'basis',
  necessity: 'basis',
  urgency: 'basis',
  prosecution_and_court: 'basis',
  confidential: 'basis',
  range_from: 'data',
  range_to: 'data',
  categories: 'data',
  all_data: 'data',
  identifiers: 'data',
  language: 'review',
  english_translation: 'review',
  notes: 'review',
};

/** The step where a warning's (or a server error's) field is edited; review for any other. */
export function stepOfField(field: string | undefined | null): Step {
  if (field === undefined || field === null || field === '') return 'review';
  if (field.startsWith('identifiers')) return 'data';
  if (field.startsWith('emergency_fields')) return 'emergency';
  if (field.startsWith('categories')) return 'data';
  return FIELD_STEPS[field] ?? 'review';
}

/** The warning's text in `language`, English or any text there is when that is missing. */
export function warningText(warning: LintWarning, language: string): string {
  const message = warning.message;
  if (typeof message === 'string') return message;
  const record = message as Record<string, string | undefined>;
  return record[language] || message.en || message.ru || message.kk || warning.code;
}

/** Warnings by the field they name ("identifiers[2]", "range_from", "emergency_fields.x"). */
export function warningsByField(warnings: readonly LintWarning[]): Map<string, LintWarning[]> {
  const byField = new Map<string, LintWarning[]>();
  for (const warning of warnings) {
    const field = warning.field ?? '';
    byField.set(field, [...(byField.get(field) ?? []), warning]);
  }
  return byField;
}

/** Errors (not warnings) that name a field edited on `step`. */
export function stepErrors(warnings: readonly LintWarning[], step: Step): LintWarning[] {
  return warnings.filter(
    (warning) =>
      warning.severity === 'error' && warning.field !== '' && stepOfField(warning.field) === step,
  );
}

/** The index in "identifiers[2]" (or "identifiers[2].value"); null for another field. */
export function identifierIndex(field: string): number | null {
  const match = /^identifiers\[(\d+)\]/.exec(field);
  return match === null ? null : Number(match[1]);
}

// ---- lifecycle ----

/** The steps of the progress line, with the end the request reached. */
export function lifecycleLine(
  state: string,
): { step: string; status: 'done' | 'current' | 'todo' }[] {
  const endings = ['produced', 'partly_produced', 'refused', 'expired'];
  const ending = endings.includes(state) ? state : 'produced';
  const line = ['draft', 'legal_review', 'approved', 'sent', 'acknowledged', 'preserved', ending];
  line.push('closed');
  let index = line.indexOf(state);
  if (index === -1) index = 0;
  return line.map((step, position) => ({
    step,
    status: position < index ? 'done' : position === index ? 'current' : 'todo',
  }));
}

// ---- the calendar ----

export interface MonthGrid {
  month: string; // YYYY-MM
  /** Weeks of days "YYYY-MM-DD" from Monday; days of the neighbouring months included. */
  weeks: string[][];
  first: string;
  afterLast: string;
}

export function currentMonth(zone: string, now = Date.now()): string {
  return utcToZonedLocal(new Date(now).toISOString(), zone).slice(0, 7);
}

export function shiftMonth(month: string, by: number): string {
  const [year, index] = month.split('-').map(Number);
  const date = new Date(Date.UTC(year ?? 1970, (index ?? 1) - 1 + by, 1));
  return date.toISOString().slice(0, 7);
}

/** The month's grid: whole weeks (Monday first) covering it. */
export function monthGrid(month: string): MonthGrid {
  const [year, index] = month.split('-').map(Number);
  const start = new Date(Date.UTC(year ?? 1970, (index ?? 1) - 1, 1));
  const mondayOffset = (start.getUTCDay() + 6) % 7;
  const cursor = new Date(start.getTime() - mondayOffset * 86_400_000);
  const end = new Date(Date.UTC(year ?? 1970, index ?? 1, 1));
  const weeks: string[][] = [];
  while (cursor < end) {
    const week: string[] = [];
    for (let day = 0; day < 7; day += 1) {
      week.push(cursor.toISOString().slice(0, 10));
      cursor.setUTCDate(cursor.getUTCDate() + 1);
    }
    weeks.push(week);
  }
  return {
    month,
    weeks,
    first: `${month}-01`,
    afterLast: end.toISOString().slice(0, 10),
  };
}

/** The day a deadline falls on for the user: its user_local date, else in `zone`. */
export function deadlineDay(deadline: Deadline, zone: string): string {
  return deadline.user_local?.date || dayOf(deadline.due, zone);
}

/** Calendar entries by the user's day of their deadline. */
export function entriesByDay(
  entries: readonly CalendarEntry[],
  zone: string,
): Map<string, CalendarEntry[]> {
  const byDay = new Map<string, CalendarEntry[]>();
  for (const entry of entries) {
    const day = deadlineDay(entry.deadline, zone);
    byDay.set(day, [...(byDay.get(day) ?? []), entry]);
  }
  return byDay;
}

/** "62%" of a share 0..1. */
export function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}
