import { describe, expect, it } from 'vitest';
import {
  auditPath,
  csvPath,
  DEFAULT_AUDIT_LIMIT,
  EMPTY_FILTERS,
  filtersFromSearch,
  filtersToSearch,
} from './query';

describe('audit filters', () => {
  it('round-trip through the page URL', () => {
    const filters = {
      ...EMPTY_FILTERS,
      actor: 'admin',
      action: 'auth.login',
      from: '2026-11-01T08:00',
      limit: 100,
    };
    const search = filtersToSearch(filters);
    expect(search).toBe('?actor=admin&action=auth.login&from=2026-11-01T08%3A00&limit=100');
    expect(filtersFromSearch(search)).toEqual(filters);
  });

  it('ignore an unknown page size', () => {
    expect(filtersFromSearch('?limit=7').limit).toBe(DEFAULT_AUDIT_LIMIT);
    expect(filtersToSearch(EMPTY_FILTERS)).toBe('');
  });

  it('send times to the server in UTC, with the page cursor', () => {
    const filters = {
      ...EMPTY_FILTERS,
      object_type: 'user',
      from: '2026-11-27T09:00',
      to: '2026-11-27T10:00',
    };
    expect(auditPath(filters, 'Asia/Tokyo', null)).toBe(
      '/api/v1/audit?object_type=user&from=2026-11-27T00%3A00%3A00.000Z&to=2026-11-27T01%3A00%3A00.000Z&limit=50',
    );
    expect(auditPath(EMPTY_FILTERS, 'UTC', 1234)).toBe('/api/v1/audit?limit=50&before_id=1234');
  });

  it('export the same selection as CSV, without page size or cursor', () => {
    const filters = { ...EMPTY_FILTERS, actor: 'admin', from: '2026-11-27T09:00', limit: 25 };
    expect(csvPath(filters, 'UTC')).toBe(
      '/api/v1/audit.csv?actor=admin&from=2026-11-27T09%3A00%3A00.000Z',
    );
  });
});
