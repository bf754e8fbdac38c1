// Evidence (docs/api.md, "Evidence"): the JSON shapes of items, custody events, disposals,
// integrity alerts and bundles; the names of their states and actions; and the small pure
// helpers the pages share (paths, sizes, short hashes, the upload's query string).
import { ApiError, buildQuery } from '../app/api';
import { errorMessage } from '../app/errors';
import type { TranslationKey, TranslationParams } from '../app/i18n';
import type { Language } from '../app/types';
import { casePath } from '../cases/types';
import type { Id } from '../cases/types';

export const EVIDENCE_STATES = ['active', 'disposal_pending', 'disposed'] as const;
export type EvidenceState = (typeof EVIDENCE_STATES)[number];

export const SOURCE_TYPES = ['seized', 'received', 'captured_online'] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

export const VERIFICATIONS = ['match', 'mismatch', 'missing'] as const;
export type Verification = (typeof VERIFICATIONS)[number];

/** Who did something; `user_id` is null for the system (the scheduled integrity check, say). */
export interface Actor {
  user_id: Id | null;
  username: string;
  display_name: string;
}

export interface EwfHeader {
  case_number?: string;
  evidence_number?: string;
  examiner_name?: string;
  description?: string;
  notes?: string;
  acquiry_date?: string;
  system_date?: string;
  acquiry_operating_system?: string;
  acquiry_software_version?: string;
  model?: string;
  serial_number?: string;
}

/** How a hash stored in an E01 image compares with the one computed over its media. */
export type EwfCheck = 'match' | 'mismatch' | 'absent';

/** What the server read from an E01 image: its report, or `{verified: false, error}`. */
export interface EwfInfo {
  verified: boolean;
  /** Present instead of the report when the image could not be read. */
  error?: string;
  md5?: EwfCheck | string;
  sha1?: EwfCheck | string;
  stored_md5?: string;
  stored_sha1?: string;
  computed_md5?: string;
  computed_sha1?: string;
  computed_sha256?: string;
  media_size?: number;
  bytes_per_sector?: number;
  checksum_errors?: { first_sector: number; sector_count: number }[];
  header?: EwfHeader;
}

/** A disposal as an item may carry it (optional: the server may leave it out). */
export interface DisposalSummary {
  id: Id;
  state: DisposalState | string;
  scheduled_for: string | null;
  requested_by?: Actor | null;
}

export interface EvidenceItem {
  id: Id;
  case_id: Id;
  case_number: string;
  original_name: string;
  size: number;
  mime_type: string;
  md5: string;
  sha1: string;
  sha256: string;
  description: string;
  source_type: SourceType | string;
  source_detail: string;
  acquisition_method: string;
  acquisition_tool: string;
  examiner: string;
  acquired_at: string | null;
  acquired_place: string;
  legal_basis: string;
  parent_id: Id | null;
  children: Id[];
  categories: string[];
  retention_until: string | null;
  state: EvidenceState | string;
  sealed: boolean;
  seal_number: string;
  ingested_by: Actor;
  ingested_at: string;
  last_verified_at: string | null;
  last_verification: Verification | null | string;
  disposed_at?: string | null;
  ewf: EwfInfo | null;
  disposal?: DisposalSummary | null;
}

export const CUSTODY_ACTIONS = [
  'ingest',
  'view',
  'download',
  'export',
  'transfer',
  'seal',
  'unseal',
  'verification',
  'disposal_request',
  'disposal_approval',
  'disposal_rejection',
  'disposal_cancel',
  'disposal',
] as const;
export type CustodyAction = (typeof CUSTODY_ACTIONS)[number];

export interface CustodyEvent {
  id: Id;
  item_id: Id;
  action: CustodyAction | string;
  actor: Actor | null;
  at: string;
  // Empty ones may come as '' or null.
  where: string | null;
  why: string | null;
  from: string | null;
  to: string | null;
  hash_before: string | null;
  hash_after: string | null;
  result: string | null;
  leaf_index: number | null;
}

export const DISPOSAL_STATES = ['pending', 'approved', 'done', 'rejected', 'cancelled'] as const;
export type DisposalState = (typeof DISPOSAL_STATES)[number];

export interface Disposal {
  id: Id;
  item_id: Id;
  item_name: string;
  case_id: Id;
  case_number: string;
  reason: string;
  state: DisposalState | string;
  /** null when the system asked (the retention period ended). */
  requested_by: Actor | null;
  requested_at: string;
  approved_by: Actor | null;
  approved_at: string | null;
  scheduled_for: string | null;
  rejected_reason: string | null;
  done_at: string | null;
}

export interface IntegrityAlert {
  id: Id;
  item_id: Id;
  item_name: string;
  case_id: Id;
  case_number: string;
  kind: 'hash_mismatch' | 'missing' | string;
  expected_sha256: string;
  found_sha256: string | null;
  detected_at: string;
  state: 'open' | 'acknowledged' | string;
  acknowledged_by: Actor | null;
}

export interface Bundle {
  id: Id;
  case_id: Id;
  file_name: string;
  size: number;
  sha256: string;
  item_ids: Id[];
  purpose: string;
  created_by: Actor;
  created_at: string;
}

export interface Category {
  code: string;
  retention_days: number;
  names: Partial<Record<Language, string>>;
}

export interface VerifyAnswer {
  result: Verification | string;
  item: EvidenceItem;
  event: CustodyEvent;
}

// ---- names ----

export const STATE_LABELS: Record<EvidenceState, TranslationKey> = {
  active: 'evidence.state.active',
  disposal_pending: 'evidence.state.disposal_pending',
  disposed: 'evidence.state.disposed',
};

export const SOURCE_LABELS: Record<SourceType, TranslationKey> = {
  seized: 'evidence.source.seized',
  received: 'evidence.source.received',
  captured_online: 'evidence.source.captured_online',
};

/** The label of "source detail", which depends on the source type. */
export const SOURCE_DETAIL_LABELS: Record<SourceType, TranslationKey> = {
  seized: 'evidence.source_detail.seized',
  received: 'evidence.source_detail.received',
  captured_online: 'evidence.source_detail.captured_online',
};

export const VERIFICATION_LABELS: Record<Verification, TranslationKey> = {
  match: 'evidence.verification.match',
  mismatch: 'evidence.verification.mismatch',
  missing: 'evidence.verification.missing',
};

export const EWF_CHECK_LABELS: Record<EwfCheck, TranslationKey> = {
  match: 'evidence.ewf.check_match',
  mismatch: 'evidence.ewf.check_mismatch',
  absent: 'evidence.ewf.check_absent',
};

export const ACTION_LABELS: Record<CustodyAction, TranslationKey> = {
  ingest: 'evidence.action.ingest',
  view: 'evidence.action.view',
  download: 'evidence.action.download',
  export: 'evidence.action.export',
  transfer: 'evidence.action.transfer',
  seal: 'evidence.action.seal',
  unseal: 'evidence.action.unseal',
  verification: 'evidence.action.verification',
  disposal_request: 'evidence.action.disposal_request',
  disposal_approval: 'evidence.action.disposal_approval',
  disposal_rejection: 'evidence.action.disposal_rejection',
  disposal_cancel: 'evidence.action.disposal_cancel',
  disposal: 'evidence.action.disposal',
};

export const DISPOSAL_STATE_LABELS: Record<DisposalState, TranslationKey> = {
  pending: 'evidence.disposal_state.pending',
  approved: 'evidence.disposal_state.approved',
  done: 'evidence.disposal_state.done',
  rejected: 'evidence.disposal_state.rejected',
  cancelled: 'evidence.disposal_state.cancelled',
};

export const ALERT_KIND_LABELS: Record<'hash_mismatch' | 'missing', TranslationKey> = {
  hash_mismatch: 'evidence.alerts.kind_hash_mismatch',
  missing: 'evidence.alerts.kind_missing',
};

function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}

export const isEvidenceState = (value: unknown): value is EvidenceState =>
  isOneOf(EVIDENCE_STATES, value);
export const isSourceType = (value: unknown): value is SourceType => isOneOf(SOURCE_TYPES, value);
export const isVerification = (value: unknown): value is Verification =>
  isOneOf(VERIFICATIONS, value);
export const isCustodyAction = (value: unknown): value is CustodyAction =>
  isOneOf(CUSTODY_ACTIONS, value);
export const isDisposalState = (value: unknown): value is DisposalState =>
  isOneOf(DISPOSAL_STATES, value);
export const isEwfCheck = (value: unknown): value is EwfCheck =>
  isOneOf(['match', 'mismatch', 'absent'] as const, value);
export const isAlertKind = (value: unknown): value is 'hash_mismatch' | 'missing' =>
  isOneOf(['hash_mismatch', 'missing'] as const, value);

// ---- paths ----

const segment = (id: Id) => encodeURIComponent(String(id));

export const caseEvidencePath = (caseId: Id) => `${casePath(caseId)}/evidence`;
export const caseBundlesPath = (caseId: Id) => `${casePath(caseId)}/bundles`;
export const evidencePath = (id: Id) => `/api/v1/evidence/${segment(id)}`;
export const custodyPath = (id: Id) => `${evidencePath(id)}/custody`;
export const contentPath = (id: Id) => `${evidencePath(id)}/content`;
export const bundleDownloadPath = (id: Id) => `/api/v1/bundles/${segment(id)}/download`;
export const disposalPath = (id: Id) => `/api/v1/disposals/${segment(id)}`;
export const alertPath = (id: Id) => `/api/v1/evidence-alerts/${segment(id)}`;
export const CATEGORIES_PATH = '/api/v1/evidence/categories';

/** The app's page of an item. */
export const evidencePagePath = (id: Id) => `/evidence/${segment(id)}`;

// ---- upload ----

/** The form's metadata, as the query of POST /api/v1/cases/{id}/evidence takes it. */
export interface UploadMetadata {
  description: string;
  source_type: SourceType | '';
  source_detail: string;
  acquisition_method: string;
  acquisition_tool: string;
  examiner: string;
  /** UTC RFC 3339, or '' when not given. */
  acquired_at: string;
  acquired_place: string;
  legal_basis: string;
  parent_id: string;
  categories: string[];
}

/** Fields the server may name in a 400, shown beside the form's controls. */
export const UPLOAD_FIELDS = [
  'name',
  'description',
  'source_type',
  'source_detail',
  'acquisition_method',
  'acquisition_tool',
  'examiner',
  'acquired_at',
  'acquired_place',
  'legal_basis',
  'parent_id',
  'categories',
] as const;
export type UploadField = (typeof UPLOAD_FIELDS)[number];

/** The upload's address: the file's name and the metadata in the query, empty values left out. */
export function uploadPath(caseId: Id, fileName: string, metadata: UploadMetadata): string {
  return `${caseEvidencePath(caseId)}${buildQuery({
    name: fileName,
    description: metadata.description.trim(),
    source_type: metadata.source_type,
    source_detail: metadata.source_detail.trim(),
    acquisition_method: metadata.acquisition_method.trim(),
    acquisition_tool: metadata.acquisition_tool.trim(),
    examiner: metadata.examiner.trim(),
    acquired_at: metadata.acquired_at,
    acquired_place: metadata.acquired_place.trim(),
    legal_basis: metadata.legal_basis.trim(),
    parent_id: metadata.parent_id,
    categories: metadata.categories.join(','),
  })}`;
}

type Translate = (key: TranslationKey, params?: TranslationParams) => string;

/** Words for a failed upload: too large (413) and disk full (507) in plain terms. */
export function uploadErrorText(t: Translate, error: unknown): string {
  if (error instanceof ApiError && (error.status === 413 || error.status === 507)) {
    const general = t(
      error.status === 413 ? 'evidence.upload.too_large' : 'evidence.upload.disk_full',
    );
    return error.message === ''
      ? general
      : t('error.with_detail', { message: general, detail: error.message });
  }
  return errorMessage(t, error);
}

/** Bytes per second over the time since the upload started; 0 before any time has passed. */
export function transferRate(loaded: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (loaded * 1000) / elapsedMs : 0;
}

/** The whole percentage of `loaded` in `total` (100 for an empty file). */
export function percentOf(loaded: number, total: number): number {
  if (total <= 0) return 100;
  return Math.min(100, Math.max(0, Math.floor((loaded * 100) / total)));
}

// ---- display ----

/**
 * "7.5 MB": the size in the largest binary unit (1024) that keeps the number at least 1, one
 * decimal above bytes. `units` are the translated names of B, KB, MB, GB, TB.
 */
export function formatSize(bytes: number, locale: string, units: readonly string[]): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const number = new Intl.NumberFormat(locale, {
    maximumFractionDigits: unit === 0 ? 0 : 1,
  }).format(value);
  return `${number} ${units[unit] ?? ''}`.trim();
}

/** "e3b0c442…7852b855": the first and last `keep` characters of a long hash. */
export function shortHash(hash: string, keep = 8): string {
  if (hash.length <= keep * 2 + 1) return hash;
  return `${hash.slice(0, keep)}…${hash.slice(-keep)}`;
}

/** Custody events oldest first (newest last), by time then id. */
export function sortEvents(events: readonly CustodyEvent[]): CustodyEvent[] {
  return [...events].sort((left, right) => {
    const byTime = Date.parse(left.at) - Date.parse(right.at);
    if (byTime !== 0 && !Number.isNaN(byTime)) return byTime;
    return Number(left.id) - Number(right.id) || String(left.id).localeCompare(String(right.id));
  });
}

/** A category's name in `language`, else in another language, else its code. */
export function categoryName(category: Category, language: Language): string {
  return (
    (
      category.names[language] ||
      category.names.en ||
      category.names.ru ||
      category.names.kk ||
      ''
    ).trim() || category.code
  );
}

export function actorName(actor: Actor | null | undefined): string {
  if (actor === null || actor === undefined) return '';
  return actor.display_name || actor.username;
}

/** The item's disposal: the one it carries, else the newest of `disposals` for it. */
export function disposalFor(
  item: EvidenceItem,
  disposals: readonly Disposal[],
): DisposalSummary | null {
  if (item.disposal !== undefined && item.disposal !== null) return item.disposal;
  const mine = disposals
    .filter((disposal) => String(disposal.item_id) === String(item.id))
    .sort((left, right) => right.requested_at.localeCompare(left.requested_at));
  const newest = mine[0];
  return newest === undefined
    ? null
    : {
        id: newest.id,
        state: newest.state,
        scheduled_for: newest.scheduled_for,
        requested_by: newest.requested_by,
      };
}

/** True when the item's bytes still exist (not disposed). */
export function hasContent(item: EvidenceItem): boolean {
  return item.state !== 'disposed';
}

/** True when the item can be downloaded now: it exists and is not sealed. */
export function canDownload(item: EvidenceItem): boolean {
  return hasContent(item) && !item.sealed;
}
