import { describe, expect, it } from 'vitest';
import type { SessionUser } from '../app/types';
import {
  CASE_LIST_LIMIT,
  EMPTY_FILTERS,
  casesPath,
  filtersFromSearch,
  filtersToSearch,
} from './query';
import {
  addArticle,
  assignableMembers,
  caseAccess,
  isOverdue,
  leadOf,
  normalizeArticle,
} from './types';
import type { Case, CaseTask } from './types';

function user(id: number, roles: string[], agencyId = 2): SessionUser {
  return {
    id,
    username: `u${id}`,
    display_name: `User ${id}`,
    email: null,
    agency_id: agencyId,
    agency_name: 'Almaty',
    roles,
    disabled: false,
    locked: false,
    totp_enabled: false,
    language: 'en',
    time_zone: 'Asia/Almaty',
    created_at: '2026-01-01T00:00:00.000Z',
    permissions: ['cases.read'],
  };
}

const opened: Case = {
  id: 7,
  agency_id: 2,
  number: 'almaty-cyber-2026-00001',
  title: 'Phishing',
  description: '',
  articles: ['190 ч.2'],
  status: 'open',
  lead_user_id: 10,
  members: [
    { user_id: 10, username: 'lead', display_name: 'Lead', role: 'lead' },
    { user_id: 11, username: 'member', display_name: 'Member', role: 'member' },
    { user_id: 12, username: 'viewer', display_name: 'Viewer', role: 'viewer' },
  ],
  shared_with: [{ user_id: 20, username: 'prosecutor', display_name: 'Prosecutor' }],
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
};

describe('case list filters', () => {
  it('round-trip through the page URL', () => {
    const filters = { q: 'phish', status: 'open' as const, article: '190 ч.2', mine: true };
    expect(filtersFromSearch(filtersToSearch(filters))).toEqual(filters);
  });

  it('drop an unknown status and empty values', () => {
    expect(filtersFromSearch('?status=lost&q=')).toEqual(EMPTY_FILTERS);
    expect(filtersToSearch(EMPTY_FILTERS)).toBe('');
  });

  it('ask the server only for what it filters (not "mine")', () => {
    expect(casesPath({ q: ' x ', status: 'closed', article: '205', mine: true })).toBe(
      `/api/v1/cases?status=closed&q=x&article=205&limit=${CASE_LIST_LIMIT}`,
    );
  });
});

describe('articles', () => {
  it('are tidied as the server writes them', () => {
    expect(normalizeArticle('  190   ч. 2 ')).toBe('190 ч.2');
    expect(normalizeArticle('256 ч.1 п. 3')).toBe('256 ч.1 п.3');
    expect(normalizeArticle('24-1')).toBe('24-1');
  });

  it('are added once, and never empty', () => {
    expect(addArticle(['205'], ' 190 ч. 2')).toEqual(['205', '190 ч.2']);
    expect(addArticle(['205'], '205')).toEqual(['205']);
    expect(addArticle(['205'], '  ')).toEqual(['205']);
  });
});

describe('what a user may do with a case', () => {
  it('lead and supervisors manage; members write; viewers and prosecutors read', () => {
    expect(caseAccess(user(10, ['investigator']), opened)).toEqual({ write: true, manage: true });
    expect(caseAccess(user(11, ['investigator']), opened)).toEqual({ write: true, manage: false });
    expect(caseAccess(user(12, ['analyst']), opened)).toEqual({ write: false, manage: false });
    expect(caseAccess(user(20, ['prosecutor'], 9), opened)).toEqual({
      write: false,
      manage: false,
    });
    expect(caseAccess(user(30, ['supervisor']), opened)).toEqual({ write: true, manage: true });
    // A supervisor of another agency has no say.
    expect(caseAccess(user(31, ['supervisor'], 3), opened)).toEqual({
      write: false,
      manage: false,
    });
  });

  it('tasks go to the lead and members, not viewers', () => {
    expect(assignableMembers(opened).map((member) => member.username)).toEqual(['lead', 'member']);
    expect(leadOf(opened)?.username).toBe('lead');
  });
});

describe('tasks', () => {
  const task: CaseTask = {
    id: 1,
    case_id: 7,
    title: 'Request bank records',
    assignee: null,
    due_at: '2026-03-01T04:00:00.000Z',
    done: false,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
  };
  it('are overdue only when open and past their due time', () => {
    const after = Date.parse('2026-03-02T00:00:00Z');
    const before = Date.parse('2026-02-01T00:00:00Z');
    expect(isOverdue(task, after)).toBe(true);
    expect(isOverdue(task, before)).toBe(false);
    expect(isOverdue({ ...task, done: true }, after)).toBe(false);
    expect(isOverdue({ ...task, due_at: null }, after)).toBe(false);
  });
});
