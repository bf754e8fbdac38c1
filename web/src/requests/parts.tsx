// Pieces the request and directory pages share: state and confidence badges, a fact's source
// line, the linter's messages beside a field, deadlines in both zones, retention warnings.
import { useI18n } from '../app/i18n';
import { Time } from '../evidence/parts';
import {
  DEADLINE_KIND_LABELS,
  STATE_BADGES,
  STATE_LABELS,
  TYPE_LABELS,
  isRequestState,
  isRequestType,
  isoOf,
  warningText,
} from './types';
import type {
  Deadline,
  Instant,
  LintWarning,
  Problem,
  Provenance,
  RetentionWarning,
} from './types';
import './requests.css';

export function RequestStateBadge({ state, testId }: { state: string; testId?: string }) {
  const { t } = useI18n();
  return (
    <span
      className={isRequestState(state) ? STATE_BADGES[state] : 'badge'}
      data-state={state}
      data-testid={testId}
    >
      {isRequestState(state) ? t(STATE_LABELS[state]) : state}
    </span>
  );
}

export function useTypeName() {
  const { t } = useI18n();
  return (type: string): string => (isRequestType(type) ? t(TYPE_LABELS[type]) : type);
}

/** An instant in the user's zone (either form the server writes). */
export function At({ value, testId }: { value: Instant; testId?: string }) {
  const iso = isoOf(value);
  if (iso === '') return null;
  return <Time iso={iso} testId={testId} />;
}

export function ConfidenceBadge({ confidence }: { confidence: string | undefined }) {
  const { t } = useI18n();
  const verified = confidence === 'verified';
  return (
    <span
      className={verified ? 'badge badge-ok' : 'badge badge-warning'}
      data-testid="fact-confidence"
      data-confidence={confidence ?? 'unverified'}
    >
      {verified ? t('directory.verified') : t('directory.unverified')}
    </span>
  );
}

/** Source, confidence, when checked, and what to check for an unverified fact. */
export function ProvenanceLine({ provenance }: { provenance: Provenance }) {
  const { t } = useI18n();
  return (
    <div className="provenance" data-testid="fact-provenance">
      <ConfidenceBadge confidence={provenance.confidence} />{' '}
      <span className="muted" data-testid="fact-source">
        {t('directory.source', { source: provenance.source || t('directory.no_source') })}
      </span>{' '}
      {provenance.checked && (
        <span className="muted" data-testid="fact-checked">
          {t('directory.checked', { date: provenance.checked })}
        </span>
      )}
      {provenance.to_check && (
        <p className="to-check" data-testid="fact-to-check">
          {t('directory.to_check', { what: provenance.to_check })}
        </p>
      )}
    </div>
  );
}

/** The linter's messages about one field, errors apart from warnings, with reason and source. */
export function FieldWarnings({
  warnings,
  testId = 'lint-field',
}: {
  warnings: readonly LintWarning[] | undefined;
  testId?: string;
}) {
  const { t, language } = useI18n();
  if (warnings === undefined || warnings.length === 0) return null;
  return (
    <ul className="lint-list plain-list" data-testid={testId}>
      {warnings.map((warning, index) => {
        const error = warning.severity === 'error';
        return (
          <li
            key={`${warning.code}-${index}`}
            className={error ? 'lint lint-error' : 'lint lint-warning'}
            data-testid="lint-message"
            data-code={warning.code}
            data-field={warning.field}
            data-severity={warning.severity}
          >
            <strong>{error ? t('requests.lint.error') : t('requests.lint.warning')}</strong>{' '}
            {warningText(warning, language)}
            {(warning.reason || warning.source) && (
              <span className="lint-why">
                {warning.reason && t('requests.lint.reason', { reason: warning.reason })}{' '}
                {warning.source && t('requests.lint.source', { source: warning.source })}
              </span>
            )}
          </li>
        );
      })}
    </ul>
  );
}

export function DeadlineList({
  deadlines,
  problems,
  testId = 'deadlines',
}: {
  deadlines: readonly Deadline[] | undefined;
  problems?: readonly Problem[] | undefined;
  testId?: string;
}) {
  const { t } = useI18n();
  const list = deadlines ?? [];
  return (
    <div data-testid={testId}>
      {list.length === 0 && (
        <p className="muted" data-testid={`${testId}-none`}>
          {t('requests.deadlines.none')}
        </p>
      )}
      {list.length > 0 && (
        <div className="table-wrap">
          <table className="table table-dense">
            <caption className="visually-hidden">{t('requests.deadlines.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('requests.deadlines.kind')}</th>
                <th scope="col">{t('requests.deadlines.user_zone')}</th>
                <th scope="col">{t('requests.deadlines.provider_zone')}</th>
                <th scope="col">{t('requests.deadlines.rule')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((deadline, index) => {
                const label = DEADLINE_KIND_LABELS[deadline.kind];
                return (
                  <tr
                    key={`${deadline.rule_id}-${deadline.kind}-${index}`}
                    className={deadline.comparison_only ? 'deadline-comparison' : undefined}
                    data-testid="deadline-row"
                    data-kind={deadline.kind}
                    data-rule={deadline.rule_id}
                    data-comparison={String(deadline.comparison_only)}
                    data-due={isoOf(deadline.due)}
                  >
                    <td>
                      {label === undefined ? deadline.kind : t(label)}{' '}
                      {deadline.comparison_only && (
                        <span className="badge badge-muted" data-testid="deadline-comparison">
                          {t('requests.deadlines.comparison')}
                        </span>
                      )}
                      {deadline.in_hours && (
                        <span className="badge badge-warning">{t('requests.deadlines.hours')}</span>
                      )}
                    </td>
                    <td className="mono">
                      {deadline.user_local?.text ?? isoOf(deadline.due)}{' '}
                      <span className="muted">{deadline.user_local?.zone}</span>
                    </td>
                    <td className="mono">
                      {deadline.provider_local?.text ?? ''}{' '}
                      <span className="muted">{deadline.provider_local?.zone}</span>
                    </td>
                    <td>
                      <span className="mono">{deadline.rule_id}</span>{' '}
                      <span className="muted">{deadline.source}</span>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {(problems ?? []).length > 0 && (
        <ul className="plain-list" data-testid={`${testId}-problems`}>
          {(problems ?? []).map((problem) => (
            <li
              key={`${problem.code}-${problem.rule_id}`}
              className="lint lint-error"
              data-testid="deadline-problem"
              data-code={problem.code}
            >
              <strong>{t('requests.deadlines.problem')}</strong> {problem.message}{' '}
              <span className="lint-why">
                {t('requests.lint.source', { source: problem.source || problem.rule_id })}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function RetentionList({
  retention,
}: {
  retention: readonly RetentionWarning[] | undefined;
}) {
  const { t } = useI18n();
  if (retention === undefined || retention.length === 0) return null;
  return (
    <ul className="plain-list" data-testid="retention-warnings">
      {retention.map((warning) => (
        <li
          key={warning.retention_id}
          className={warning.already_gone ? 'lint lint-error' : 'lint lint-warning'}
          data-testid="retention-warning"
          data-id={warning.retention_id}
          data-gone={String(warning.already_gone)}
        >
          <strong>
            {warning.already_gone ? t('requests.retention.gone') : t('requests.retention.title')}
          </strong>{' '}
          {warning.message}
          {warning.user_local?.date && (
            <> {t('requests.retention.before', { date: warning.user_local.date })}</>
          )}{' '}
          <span className="lint-why">
            {t('requests.lint.source', { source: warning.source })}{' '}
            {warning.confidence !== 'verified' && t('directory.unverified')}
          </span>
        </li>
      ))}
    </ul>
  );
}
