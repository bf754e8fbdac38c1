// Cases (docs/api.md, "Cases"): the JSON shapes, the names of statuses and member roles, and
// what the signed-in user may do with a case. The server decides (need-to-know on every call);
// these only choose which controls the page offers.
import type { TranslationKey } from '../app/i18n';
import type { SessionUser } from '../app/types';

export const CASE_STATUSES = ['open', 'suspended', 'sent_to_court', 'closed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const MEMBER_ROLES = ['lead', 'member', 'viewer'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

/** Roles that can be given with PUT .../members/{user_id}; the lead is set on the case. */
export const ASSIGNABLE_ROLES = ['member', 'viewer'] as const;

export type Id = number | string;

export interface Person {
  user_id: Id;
  username: string;
  display_name: string;
}

export interface CaseMember extends Person {
  role: MemberRole | string;
}

export interface Case {
  id: Id;
  agency_id: Id;
  number: string;
  title: string;
  description: string;
  articles: string[];
  status: CaseStatus | string;
  lead_user_id: Id;
  members: CaseMember[];
  shared_with: Person[];
  created_at: string;
  updated_at: string;
}

export interface CaseNote {
  id: Id;
  case_id: Id;
  author: Person;
  text: string;
  created_at: string;
}

export interface CaseTask {
  id: Id;
  case_id: Id;
  title: string;
  assignee: Person | null;
  due_at: string | null;
  done: boolean;
  created_at: string;
  updated_at: string;
}

export interface Candidates {
  members: Person[];
  prosecutors: Person[];
}

export const STATUS_LABELS: Record<CaseStatus, TranslationKey> = {
  open: 'cases.status.open',
  suspended: 'cases.status.suspended',
  sent_to_court: 'cases.status.sent_to_court',
  closed: 'cases.status.closed',
};

export const STATUS_BADGES: Record<CaseStatus, string> = {
  open: 'badge badge-ok',
  suspended: 'badge badge-warning',
  sent_to_court: 'badge badge-info',
  closed: 'badge badge-muted',
};

export const ROLE_LABELS: Record<MemberRole, TranslationKey> = {
  lead: 'cases.role.lead',
  member: 'cases.role.member',
  viewer: 'cases.role.viewer',
};

export function isCaseStatus(value: unknown): value is CaseStatus {
  return typeof value === 'string' && (CASE_STATUSES as readonly string[]).includes(value);
}

export function isMemberRole(value: unknown): value is MemberRole {
  return typeof value === 'string' && (MEMBER_ROLES as readonly string[]).includes(value);
}

export function sameId(left: Id | null | undefined, right: Id | null | undefined): boolean {
  return left !== null && left !== undefined && right !== null && right !== undefined
    ? String(left) === String(right)
    : false;
}

export function casePath(id: Id): string {
  return `/api/v1/cases/${encodeURIComponent(String(id))}`;
}

/** The member who leads the case, if the list names one. */
export function leadOf(opened: Case): CaseMember | undefined {
  return (
    opened.members.find((member) => sameId(member.user_id, opened.lead_user_id)) ??
    opened.members.find((member) => member.role === 'lead')
  );
}

export function isMemberOf(user: SessionUser, opened: Case): boolean {
  return opened.members.some((member) => sameId(member.user_id, user.id));
}

export interface CaseAccess {
  /** Title, description, articles, notes, tasks: the lead, members and agency supervisors. */
  write: boolean;
  /** Status, lead, members, shares: the lead and agency supervisors. */
  manage: boolean;
}

export function caseAccess(user: SessionUser, opened: Case): CaseAccess {
  const supervises = user.roles.includes('supervisor') && sameId(user.agency_id, opened.agency_id);
  const leads = sameId(opened.lead_user_id, user.id);
  const membership = opened.members.find((member) => sameId(member.user_id, user.id));
  const writes = membership !== undefined && membership.role !== 'viewer';
  return { write: supervises || leads || writes, manage: supervises || leads };
}

/** Members who may be given tasks: the lead and members (viewers read only). */
export function assignableMembers(opened: Case): CaseMember[] {
  return opened.members.filter((member) => member.role === 'lead' || member.role === 'member');
}

/**
 * An article reference as typed, tidied: trimmed, inner spaces collapsed, "ч. 2" written "ч.2"
 * (the server's form: "190 ч.2", "256 ч.1 п.3"). The server validates it.
 */
export function normalizeArticle(text: string): string {
  return text
    .trim()
    .replace(/\s+/g, ' ')
    .replace(/(ч|п)\.\s+(?=\d)/g, '$1.');
}

/** `articles` with `text` added (tidied), unless it is empty or already there. */
export function addArticle(articles: readonly string[], text: string): string[] {
  const article = normalizeArticle(text);
  if (article === '' || articles.includes(article)) return [...articles];
  return [...articles, article];
}

/** True when an open task's due time has passed. */
export function isOverdue(task: CaseTask, nowMs: number = Date.now()): boolean {
  if (task.done || task.due_at === null) return false;
  const due = Date.parse(task.due_at);
  return !Number.isNaN(due) && due < nowMs;
}
