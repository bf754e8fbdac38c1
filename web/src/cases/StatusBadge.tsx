import { useI18n } from '../app/i18n';
import { isCaseStatus, isMemberRole, ROLE_LABELS, STATUS_BADGES, STATUS_LABELS } from './types';

/** A case's status as a coloured badge; `data-status` holds the API's word. */
export function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  const { t } = useI18n();
  return (
    <span
      className={isCaseStatus(status) ? STATUS_BADGES[status] : 'badge'}
      data-status={status}
      data-testid={testId}
    >
      {isCaseStatus(status) ? t(STATUS_LABELS[status]) : status}
    </span>
  );
}

/** A member's role on a case, in words. */
export function useMemberRoleName() {
  const { t } = useI18n();
  return (role: string): string => (isMemberRole(role) ? t(ROLE_LABELS[role]) : role);
}
