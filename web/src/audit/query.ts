// The audit viewer's filters: kept in the page's URL (so a reload or "back to where I was"
// restores them), sent to GET /api/v1/audit and /api/v1/audit.csv with times in UTC.
import { buildQuery } from '../app/api';
import { zonedLocalToUtc } from '../app/time';

export const AUDIT_LIMITS = [25, 50, 100, 200] as const;
export const DEFAULT_AUDIT_LIMIT = 50;

export interface AuditFilters {
  actor: string;
  action: string;
  object_type: string;
  object_id: string;
  /** Wall time in the user's zone, as an <input type="datetime-local"> holds it. */
  from: string;
  to: string;
  limit: number;
}

export const EMPTY_FILTERS: AuditFilters = {
  actor: '',
  action: '',
  object_type: '',
  object_id: '',
  from: '',
  to: '',
  limit: DEFAULT_AUDIT_LIMIT,
};

const TEXT_KEYS = ['actor', 'action', 'object_type', 'object_id', 'from', 'to'] as const;

export function filtersFromSearch(search: string): AuditFilters {
  const params = new URLSearchParams(search);
  const filters: AuditFilters = { ...EMPTY_FILTERS };
  for (const key of TEXT_KEYS) filters[key] = params.get(key) ?? '';
  const limit = Number(params.get('limit'));
  filters.limit = (AUDIT_LIMITS as readonly number[]).includes(limit) ? limit : DEFAULT_AUDIT_LIMIT;
  return filters;
}

/** The page URL's query for `filters` ('' when nothing is set). */
export function filtersToSearch(filters: AuditFilters): string {
  return buildQuery({
    actor: filters.actor.trim(),
    action: filters.action.trim(),
    object_type: filters.object_type.trim(),
    object_id: filters.object_id.trim(),
    from: filters.from,
    to: filters.to,
    limit: filters.limit === DEFAULT_AUDIT_LIMIT ? undefined : filters.limit,
  });
}

function serverFilters(filters: AuditFilters, timeZone: string) {
  return {
    actor: filters.actor.trim(),
    action: filters.action.trim(),
    object_type: filters.object_type.trim(),
    object_id: filters.object_id.trim(),
    from: filters.from === '' ? undefined : zonedLocalToUtc(filters.from, timeZone),
    to: filters.to === '' ? undefined : zonedLocalToUtc(filters.to, timeZone),
  };
}

/** GET /api/v1/audit for one page: `beforeId` null is the newest page. */
export function auditPath(
  filters: AuditFilters,
  timeZone: string,
  beforeId: number | null,
): string {
  return `/api/v1/audit${buildQuery({ ...serverFilters(filters, timeZone), limit: filters.limit, before_id: beforeId })}`;
}

/** The CSV export of everything the filters select (no page cursor, no page size). */
export function csvPath(filters: AuditFilters, timeZone: string): string {
  return `/api/v1/audit.csv${buildQuery(serverFilters(filters, timeZone))}`;
}
