// The review queue (/detect): alerts of the mandates the user may see, oldest first, open ones
// by default; filters by state, kind, list and bank (in the page URL). Driven from the keyboard:
// j/k (or the arrows) move the selection, Enter or o opens the alert, c confirms, d dismisses
// (both ask in a dialog), e escalates. The selected row has the focus, aria-selected and is
// scrolled into view; after a decision the next alert is selected.
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { Link, navigate, useLocation } from '../app/router';
import { FormError, Loading, Notice, PageHeader, SelectField } from '../app/ui';
import { useResource } from '../app/useResource';
import { Time } from '../evidence/parts';
import { ConfirmDialog, DismissDialog, escalate } from './DecisionDialogs';
import { excerptParts } from './highlight';
import { moveSelection, nextAfterDecision, queueCommand, SHORTCUTS } from './keys';
import type { QueueCommand } from './keys';
import { AlertStateBadge, DetectTabs, SeverityBadge, useNumber } from './parts';
import {
  ALERT_KINDS,
  ALERT_KIND_LABELS,
  ALERT_STATES,
  BANKS_PATH,
  LISTS_PATH,
  QUEUE_PAGE,
  QUEUE_PAGE_SIZE,
  STATE_LABELS,
  alertPage,
  alertsListPath,
  isAlertKind,
  isUndecided,
  queueFiltersFromSearch,
  queueFiltersToSearch,
} from './types';
import type { Alert, AlertPage, HashBank, IndicatorList, QueueFilters } from './types';
import type { TranslationKey } from '../app/i18n';

/** While the queue is empty it asks again this often: the server scans new items in seconds. */
const EMPTY_REFRESH_MS = 5000;

const COMMAND_LABELS: Record<QueueCommand, TranslationKey> = {
  next: 'detect.keys.next',
  previous: 'detect.keys.previous',
  open: 'detect.keys.open',
  confirm: 'detect.keys.confirm',
  dismiss: 'detect.keys.dismiss',
  escalate: 'detect.keys.escalate',
  help: 'detect.keys.help',
};

/** Keys shown as a symbol (arrows) or by a translated name (Enter). */
const KEY_SYMBOLS: Record<string, string> = { ArrowDown: '↓', ArrowUp: '↑' };

function Legend({ expanded }: { expanded: boolean }) {
  const { t } = useI18n();
  return (
    <section
      aria-labelledby="legend-title"
      data-testid="queue-legend"
      data-expanded={String(expanded)}
    >
      <h2 id="legend-title" className="visually-hidden">
        {t('detect.keys.title')}
      </h2>
      <ul className="shortcut-legend">
        {SHORTCUTS.filter((shortcut) => expanded || shortcut.command !== 'help').map((shortcut) => (
          <li key={shortcut.command} data-command={shortcut.command}>
            {shortcut.keys.map((key) => (
              <kbd key={key} translate="no">
                {key === 'Enter' ? t('detect.keys.enter') : (KEY_SYMBOLS[key] ?? key)}
              </kbd>
            ))}
            {t(COMMAND_LABELS[shortcut.command])}
          </li>
        ))}
      </ul>
      {expanded && <p className="muted">{t('detect.keys.explain')}</p>}
    </section>
  );
}

function Filters({ filters }: { filters: QueueFilters }) {
  const { t } = useI18n();
  const lists = useResource<{ lists: IndicatorList[] }>(LISTS_PATH);
  const banks = useResource<{ banks: HashBank[] }>(BANKS_PATH);
  const go = (next: Partial<QueueFilters>) =>
    navigate(`${QUEUE_PAGE}${queueFiltersToSearch({ ...filters, ...next, offset: 0 })}`);
  return (
    <form
      className="filters"
      role="search"
      aria-label={t('detect.queue.filters')}
      onSubmit={(event) => event.preventDefault()}
      data-testid="queue-filters"
    >
      <SelectField
        label={t('detect.queue.filter_state')}
        value={filters.state}
        onChange={(state) => go({ state: ALERT_STATES.find((value) => value === state) ?? 'open' })}
        testId="queue-filter-state"
      >
        {ALERT_STATES.map((state) => (
          <option key={state} value={state}>
            {t(STATE_LABELS[state])}
          </option>
        ))}
      </SelectField>
      <SelectField
        label={t('detect.queue.filter_kind')}
        value={filters.kind}
        onChange={(kind) => go({ kind: isAlertKind(kind) ? kind : '' })}
        testId="queue-filter-kind"
      >
        <option value="">{t('common.all')}</option>
        {ALERT_KINDS.map((kind) => (
          <option key={kind} value={kind}>
            {t(ALERT_KIND_LABELS[kind])}
          </option>
        ))}
      </SelectField>
      <SelectField
        label={t('detect.queue.filter_list')}
        value={filters.listId}
        onChange={(listId) => go({ listId })}
        testId="queue-filter-list"
      >
        <option value="">{t('common.all')}</option>
        {(lists.data?.lists ?? []).map((list) => (
          <option key={String(list.id)} value={String(list.id)}>
            {list.name}
          </option>
        ))}
      </SelectField>
      <SelectField
        label={t('detect.queue.filter_bank')}
        value={filters.bankId}
        onChange={(bankId) => go({ bankId })}
        testId="queue-filter-bank"
      >
        <option value="">{t('common.all')}</option>
        {(banks.data?.banks ?? []).map((bank) => (
          <option key={String(bank.id)} value={String(bank.id)}>
            {bank.name}
          </option>
        ))}
      </SelectField>
    </form>
  );
}

/** What the alert matched: the indicator's pattern, or the bank hash's label. */
export function alertSubject(alert: Alert): string {
  if (alert.indicator !== null) return alert.indicator.pattern;
  if (alert.bank_hash !== null) return alert.bank_hash.label || alert.bank_hash.hash.slice(0, 16);
  return '';
}

function Excerpt({ text }: { text: string }) {
  return (
    <span className="excerpt" data-testid="queue-excerpt">
      {excerptParts(text).map((part, index) =>
        part.highlight === null ? (
          <span key={index}>{part.text}</span>
        ) : (
          <mark key={index}>{part.text}</mark>
        ),
      )}
    </span>
  );
}

type Dialog = { kind: 'confirm' | 'dismiss'; alert: Alert } | null;

export function QueuePage() {
  const { t } = useI18n();
  const number = useNumber();
  const { search } = useLocation();
  const filters = queueFiltersFromSearch(search);
  const page = useResource<AlertPage>(alertsListPath(filters));
  const rows = page.data?.alerts ?? [];
  const total = page.data?.total ?? rows.length;
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [legend, setLegend] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // Set by a decision: the ids listed before it, so the next alert can be selected afterwards.
  const decided = useRef<{ id: string; before: string[] } | null>(null);
  const rowRefs = useRef(new Map<string, HTMLTableRowElement>());
  const focusRow = useRef(false);
  const reload = page.reload;

  const ids = rows.map((alert) => String(alert.id));
  const selectedIndex = selectedId === null ? -1 : ids.indexOf(selectedId);
  const selected = selectedIndex >= 0 ? (rows[selectedIndex] ?? null) : null;

  // Keep a selection among the rows listed now.
  const idsKey = ids.join(',');
  useEffect(() => {
    const current = idsKey === '' ? [] : idsKey.split(',');
    if (decided.current !== null) {
      const { id, before } = decided.current;
      decided.current = null;
      setSelectedId(nextAfterDecision(before, current, id));
      focusRow.current = true;
      return;
    }
    setSelectedId((previous) =>
      previous !== null && current.includes(previous) ? previous : (current[0] ?? null),
    );
  }, [idsKey]);

  // The selected row takes the focus (after keyboard moves and decisions) and is scrolled to.
  useEffect(() => {
    if (selectedId === null || dialog !== null) return;
    const row = rowRefs.current.get(selectedId);
    if (row === undefined) return;
    if (focusRow.current) {
      focusRow.current = false;
      row.focus({ preventScroll: true });
    }
    row.scrollIntoView?.({ block: 'nearest' });
  }, [selectedId, dialog]);

  // An empty queue is asked again now and then: alerts arrive seconds after their items.
  useEffect(() => {
    if (page.data === null || rows.length > 0 || dialog !== null) return;
    const timer = window.setTimeout(reload, EMPTY_REFRESH_MS);
    return () => window.clearTimeout(timer);
  }, [page.data, rows.length, dialog, reload]);

  const afterDecision = useCallback(
    (alert: Alert, message: string) => {
      decided.current = { id: String(alert.id), before: ids };
      setDialog(null);
      setNotice(message);
      reload();
    },
    // ids changes with every list; the callback is made again then.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [idsKey, reload],
  );

  const run = useCallback(
    async (command: QueueCommand) => {
      setActionError(null);
      if (command === 'help') {
        setLegend((value) => !value);
        return;
      }
      if (command === 'next' || command === 'previous') {
        const index = moveSelection(selectedIndex, ids.length, command === 'next' ? 1 : -1);
        focusRow.current = true;
        setSelectedId(index < 0 ? null : (ids[index] ?? null));
        return;
      }
      if (selected === null) return;
      if (command === 'open') {
        navigate(alertPage(selected.id));
        return;
      }
      if (!isUndecided(selected)) {
        setNotice(t('detect.queue.already_decided'));
        return;
      }
      if (command === 'confirm') setDialog({ kind: 'confirm', alert: selected });
      if (command === 'dismiss') setDialog({ kind: 'dismiss', alert: selected });
      if (command === 'escalate') {
        if (busy) return;
        setBusy(true);
        try {
          const done = await escalate(selected);
          afterDecision(done, t('detect.queue.escalated', { id: String(done.id) }));
        } catch (failure) {
          setActionError(failure);
        } finally {
          setBusy(false);
        }
      }
    },
    [selectedIndex, selected, busy, afterDecision, t, idsKey],
  );

  // The shortcuts listen on the whole page while no dialog is open.
  useEffect(() => {
    if (dialog !== null) return;
    function onKey(event: KeyboardEvent) {
      const command = queueCommand(event);
      if (command === null) return;
      event.preventDefault();
      void run(command);
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [dialog, run]);

  function closeDialog() {
    setDialog(null);
    focusRow.current = true;
  }

  const go = (offset: number) =>
    navigate(`${QUEUE_PAGE}${queueFiltersToSearch({ ...filters, offset })}`);

  return (
    <section
      className="page"
      data-testid="page-detect-queue"
      data-selected={selectedId ?? ''}
      data-total={page.data === null ? '' : total}
    >
      <PageHeader title={t('detect.queue.title')} testId="page-title">
        <button type="button" className="button" onClick={reload} data-testid="queue-refresh">
          {t('detect.queue.refresh')}
        </button>
      </PageHeader>
      <DetectTabs />
      <Filters key={search} filters={filters} />
      <Legend expanded={legend} />
      {notice !== null && (
        <Notice testId="queue-notice" tone="success">
          {notice}
        </Notice>
      )}
      <FormError
        message={actionError === null ? null : errorMessage(t, actionError)}
        testId="queue-action-error"
      />
      {page.error !== null && (
        <FormError message={errorMessage(t, page.error)} testId="queue-error" />
      )}
      {page.data === null && page.error === null && <Loading />}
      {page.data !== null && (
        <>
          <p className="muted" data-testid="queue-total">
            {t('detect.queue.total', { count: number(total) })}
          </p>
          <div className="table-wrap">
            <table
              className="table queue-table"
              role="grid"
              aria-label={t('detect.queue.table')}
              aria-busy={page.loading}
              data-testid="queue-table"
              data-filters={queueFiltersToSearch(filters)}
            >
              <thead>
                <tr>
                  <th scope="col">{t('detect.field.severity')}</th>
                  <th scope="col">{t('detect.queue.match')}</th>
                  <th scope="col">{t('detect.queue.source')}</th>
                  <th scope="col">{t('common.status')}</th>
                  <th scope="col">{t('detect.field.found')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.length === 0 && (
                  <tr>
                    <td colSpan={5} data-testid="queue-empty">
                      {t('detect.queue.empty')}
                    </td>
                  </tr>
                )}
                {rows.map((alert, index) => {
                  const id = String(alert.id);
                  const isSelected = id === selectedId;
                  return (
                    <tr
                      key={id}
                      ref={(element) => {
                        if (element === null) rowRefs.current.delete(id);
                        else rowRefs.current.set(id, element);
                      }}
                      aria-selected={isSelected}
                      tabIndex={isSelected || (selectedId === null && index === 0) ? 0 : -1}
                      onClick={() => setSelectedId(id)}
                      onFocus={() => setSelectedId(id)}
                      data-testid="queue-row"
                      data-id={id}
                      data-state={alert.state}
                      data-kind={alert.kind}
                      data-selected={String(isSelected)}
                    >
                      <td>
                        <SeverityBadge severity={alert.severity} testId="queue-severity" />
                      </td>
                      <td>
                        <Link
                          to={alertPage(alert.id)}
                          tabIndex={-1}
                          aria-label={t('detect.queue.open_named', { id })}
                          data-testid="queue-link"
                        >
                          <span className="pattern" translate="no">
                            {alertSubject(alert)}
                          </span>
                        </Link>
                        <br />
                        {alert.excerpt !== '' && <Excerpt text={alert.excerpt} />}
                        {alert.low_confidence && (
                          <span className="badge badge-warning cell-note">
                            {t('detect.alert.low_confidence')}
                          </span>
                        )}
                      </td>
                      <td>
                        {alert.list_name !== null && alert.list_name !== '' ? (
                          <span>
                            {t('detect.queue.list_version', {
                              name: alert.list_name,
                              version: String(alert.list_version ?? ''),
                            })}
                          </span>
                        ) : (
                          <span>{alert.bank_name ?? ''}</span>
                        )}
                        <span className="muted cell-note">
                          {isAlertKind(alert.kind) ? t(ALERT_KIND_LABELS[alert.kind]) : alert.kind}
                        </span>
                      </td>
                      <td>
                        <AlertStateBadge state={alert.state} testId="queue-state" />
                      </td>
                      <td>
                        <Time iso={alert.created_at} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label={t('detect.pages')}>
            <button
              type="button"
              className="button"
              disabled={filters.offset === 0}
              onClick={() => go(Math.max(0, filters.offset - QUEUE_PAGE_SIZE))}
              data-testid="queue-prev"
            >
              {t('collected.prev')}
            </button>
            <button
              type="button"
              className="button"
              disabled={filters.offset + rows.length >= total}
              onClick={() => go(filters.offset + QUEUE_PAGE_SIZE)}
              data-testid="queue-next"
            >
              {t('collected.next')}
            </button>
          </nav>
        </>
      )}
      {dialog?.kind === 'confirm' && (
        <ConfirmDialog
          alert={dialog.alert}
          onClose={closeDialog}
          onDone={(done) =>
            afterDecision(done, t('detect.queue.confirmed', { id: String(done.id) }))
          }
        />
      )}
      {dialog?.kind === 'dismiss' && (
        <DismissDialog
          alert={dialog.alert}
          onClose={closeDialog}
          onDone={(done) =>
            afterDecision(done, t('detect.queue.dismissed', { id: String(done.id) }))
          }
        />
      )}
    </section>
  );
}
