// What the signed-in user may see. The server checks every request; these only decide what the
// interface offers, so that nobody is shown a link that answers "permission denied".
import type { SessionUser } from './types';

const ROLE_FALLBACK: Record<string, readonly string[]> = {
  'org.read': ['admin', 'supervisor'],
  'org.manage': ['admin'],
  'org.manage_all': ['admin'],
  'users.read': ['admin', 'supervisor'],
  'users.manage': ['admin'],
  'audit.read': ['admin', 'supervisor'],
  'cases.read': ['supervisor', 'investigator', 'analyst', 'prosecutor'],
  'cases.create': ['supervisor', 'investigator'],
  'evidence.approve': ['supervisor'],
  'monitoring.use': ['supervisor', 'investigator', 'analyst'],
  'detect.review': ['supervisor', 'investigator', 'analyst'],
  'detect.manage': ['supervisor', 'analyst'],
  'requests.draft': ['supervisor', 'investigator', 'analyst'],
  'requests.approve': ['supervisor', 'prosecutor'],
  'directory.manage': ['admin'],
};

/** The session's permission list when the server sent one, else a guess from the roles. */
export function hasPermission(user: SessionUser, permission: string): boolean {
  if (Array.isArray(user.permissions)) return user.permissions.includes(permission);
  const roles = ROLE_FALLBACK[permission] ?? [];
  return user.roles.some((role) => roles.includes(role));
}

export function canAdminister(user: SessionUser): boolean {
  return (
    user.roles.includes('admin') ||
    hasPermission(user, 'users.manage') ||
    hasPermission(user, 'org.manage_all')
  );
}

export function canReadAudit(user: SessionUser): boolean {
  return hasPermission(user, 'audit.read');
}

export function canReadCases(user: SessionUser): boolean {
  return hasPermission(user, 'cases.read');
}

export function canCreateCases(user: SessionUser): boolean {
  return hasPermission(user, 'cases.read') && hasPermission(user, 'cases.create');
}

/** Approves evidence disposals and acknowledges integrity alerts (supervisors). */
export function canApproveEvidence(user: SessionUser): boolean {
  return hasPermission(user, 'evidence.approve');
}

/** Monitoring mandates, collection, the item browser and personas (each mandate: need-to-know). */
export function canUseMonitoring(user: SessionUser): boolean {
  return hasPermission(user, 'monitoring.use');
}

/**
 * Supervisors approve mandates (the head of the agency is a supervisor too); the server decides
 * which mandates await whom, this only offers the approval inbox.
 */
export function canApproveMandates(user: SessionUser): boolean {
  return canUseMonitoring(user) && user.roles.includes('supervisor');
}

/** The review queue, alerts, indicator lists and hash banks (reading), detection metrics. */
export function canReviewAlerts(user: SessionUser): boolean {
  return hasPermission(user, 'detect.review');
}

/** Editing indicator lists and hash banks, releasing quarantined hashes, rescans. */
export function canManageDetection(user: SessionUser): boolean {
  return hasPermission(user, 'detect.review') && hasPermission(user, 'detect.manage');
}
