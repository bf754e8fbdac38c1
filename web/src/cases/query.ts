// The case list's filters live in the page URL (/cases?q=...&status=...&article=...&mine=1), so
// that a filtered list can be linked to (the home page's "my open cases" card does).
import { buildQuery } from '../app/api';
import { isCaseStatus } from './types';
import type { CaseStatus } from './types';

export interface CaseFilters {
  q: string;
  status: CaseStatus | '';
  article: string;
  /** Only cases the user is a member of (filtered in the browser: the API has no such filter). */
  mine: boolean;
}

export const EMPTY_FILTERS: CaseFilters = { q: '', status: '', article: '', mine: false };

/** How many cases the list asks for (the server's default; it allows up to 1000). */
export const CASE_LIST_LIMIT = 200;

export function filtersFromSearch(search: string): CaseFilters {
  const params = new URLSearchParams(search);
  const status = params.get('status') ?? '';
  return {
    q: params.get('q') ?? '',
    status: isCaseStatus(status) ? status : '',
    article: params.get('article') ?? '',
    mine: params.get('mine') === '1',
  };
}

export function filtersToSearch(filters: CaseFilters): string {
  return buildQuery({
    q: filters.q.trim(),
    status: filters.status,
    article: filters.article.trim(),
    mine: filters.mine ? '1' : '',
  });
}

/** GET /api/v1/cases with the filters the server knows. */
export function casesPath(filters: CaseFilters, limit: number = CASE_LIST_LIMIT): string {
  return `/api/v1/cases${buildQuery({
    status: filters.status,
    q: filters.q.trim(),
    article: filters.article.trim(),
    limit,
  })}`;
}
