// A case's tasks: open ones first, each with its assignee (a lead or member of the case) and due
// time in the user's time zone; the lead, members and supervisors add tasks, mark them done or
// not done, and clear the assignee.
import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { useSignedIn } from '../app/session';
import { effectiveTimeZone, formatDateTime, zonedLocalToUtc } from '../app/time';
import { FormError, Loading, SelectField, TextField, useErrorText } from '../app/ui';
import { useResource } from '../app/useResource';
import { assignableMembers, casePath, isOverdue } from './types';
import type { Case, CaseAccess, CaseTask } from './types';

const TASK_FIELDS = ['title', 'assignee_user_id', 'due_at'] as const;

function TaskForm({ opened, onAdded }: { opened: Case; onAdded: () => void }) {
  const { t } = useI18n();
  const { user } = useSignedIn();
  const timeZone = effectiveTimeZone(user.time_zone);
  const [title, setTitle] = useState('');
  const [assignee, setAssignee] = useState('');
  const [due, setDue] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [localError, setLocalError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const errors = useErrorText(error, TASK_FIELDS);
  const members = assignableMembers(opened);

  async function add(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setError(null);
    setLocalError(null);
    const body: Record<string, unknown> = { title: title.trim() };
    const person = members.find((member) => String(member.user_id) === assignee);
    if (person !== undefined) body.assignee_user_id = person.user_id;
    if (due !== '') {
      const dueAt = zonedLocalToUtc(due, timeZone);
      if (dueAt === null) {
        setLocalError(t('cases.tasks.bad_due'));
        return;
      }
      body.due_at = dueAt;
    }
    setBusy(true);
    try {
      await api.post<CaseTask>(`${casePath(opened.id)}/tasks`, body);
      setTitle('');
      setAssignee('');
      setDue('');
      onAdded();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="panel panel-inner"
      onSubmit={add}
      noValidate
      aria-labelledby="task-form-title"
      data-testid="task-form"
    >
      <h3 id="task-form-title">{t('cases.tasks.add_title')}</h3>
      <div className="form-grid">
        <TextField
          label={t('cases.tasks.task')}
          value={title}
          onChange={setTitle}
          required
          maxLength={500}
          error={errors.forField('title')}
          testId="task-new-title"
        />
        <SelectField
          label={t('cases.tasks.assignee')}
          value={assignee}
          onChange={setAssignee}
          error={errors.forField('assignee_user_id')}
          testId="task-new-assignee"
        >
          <option value="">{t('cases.tasks.nobody')}</option>
          {members.map((member) => (
            <option key={String(member.user_id)} value={String(member.user_id)}>
              {member.display_name || member.username}
            </option>
          ))}
        </SelectField>
        <TextField
          label={t('cases.tasks.due')}
          type="datetime-local"
          value={due}
          onChange={setDue}
          hint={t('cases.tasks.zone_hint', { zone: timeZone })}
          error={localError ?? errors.forField('due_at')}
          testId="task-new-due"
        />
      </div>
      <FormError message={errors.forForm} testId="task-error" />
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          aria-disabled={busy || undefined}
          data-testid="task-add"
        >
          {t('cases.tasks.add')}
        </button>
      </div>
    </form>
  );
}

export function TasksSection({
  opened,
  access,
  onChanged,
}: {
  opened: Case;
  access: CaseAccess;
  onChanged: (message: string) => void;
}) {
  const { t, locale } = useI18n();
  const { user } = useSignedIn();
  const tasks = useResource<{ tasks: CaseTask[] }>(`${casePath(opened.id)}/tasks`);
  const [actionError, setActionError] = useState<unknown>(null);
  const [busyTask, setBusyTask] = useState<string | null>(null);

  async function change(task: CaseTask, body: Record<string, unknown>, message: string) {
    if (busyTask !== null) return;
    setActionError(null);
    setBusyTask(String(task.id));
    try {
      await api.patch<CaseTask>(
        `${casePath(opened.id)}/tasks/${encodeURIComponent(String(task.id))}`,
        body,
      );
      tasks.reload();
      onChanged(message);
    } catch (failure) {
      setActionError(failure);
    } finally {
      setBusyTask(null);
    }
  }

  const list = tasks.data?.tasks ?? [];
  const columns = access.write ? 5 : 4;
  return (
    <section className="panel" aria-labelledby="case-tasks-title" data-testid="case-tasks">
      <h2 id="case-tasks-title">{t('cases.tasks.title')}</h2>
      {tasks.error !== null && (
        <FormError message={errorMessage(t, tasks.error)} testId="tasks-load-error" />
      )}
      <FormError
        message={actionError === null ? null : errorMessage(t, actionError)}
        testId="tasks-error"
      />
      {tasks.data === null && tasks.error === null && <Loading />}
      {tasks.data !== null && (
        <div className="table-wrap">
          <table className="table" data-testid="tasks-table" aria-busy={tasks.loading}>
            <caption className="visually-hidden">{t('cases.tasks.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('cases.tasks.task')}</th>
                <th scope="col">{t('cases.tasks.assignee')}</th>
                <th scope="col">{t('cases.tasks.due')}</th>
                <th scope="col">{t('common.status')}</th>
                {access.write && <th scope="col">{t('common.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {list.length === 0 && (
                <tr>
                  <td colSpan={columns} data-testid="tasks-empty">
                    {t('cases.tasks.none')}
                  </td>
                </tr>
              )}
              {list.map((task) => (
                <tr
                  key={String(task.id)}
                  data-testid="task-row"
                  data-id={String(task.id)}
                  data-done={task.done ? 'true' : 'false'}
                  data-assignee={task.assignee?.username ?? ''}
                >
                  <td data-testid="task-title">{task.title}</td>
                  <td data-testid="task-assignee">
                    {task.assignee !== null
                      ? task.assignee.display_name || task.assignee.username
                      : t('cases.tasks.nobody')}
                  </td>
                  <td className="nowrap" data-testid="task-due">
                    {task.due_at !== null && (
                      <time dateTime={task.due_at}>
                        {formatDateTime(task.due_at, locale, user.time_zone)}
                      </time>
                    )}
                  </td>
                  <td>
                    <span className="badges">
                      <span
                        className={task.done ? 'badge badge-ok' : 'badge'}
                        data-testid="task-state"
                      >
                        {task.done ? t('cases.tasks.state_done') : t('cases.tasks.state_open')}
                      </span>
                      {isOverdue(task) && (
                        <span className="badge badge-warning" data-testid="task-overdue">
                          {t('cases.tasks.overdue')}
                        </span>
                      )}
                    </span>
                  </td>
                  {access.write && (
                    <td className="actions">
                      <button
                        type="button"
                        className="button button-small"
                        aria-disabled={busyTask === String(task.id) || undefined}
                        onClick={() =>
                          void change(
                            task,
                            { done: !task.done },
                            task.done
                              ? t('cases.tasks.reopened', { title: task.title })
                              : t('cases.tasks.completed', { title: task.title }),
                          )
                        }
                        aria-label={
                          task.done
                            ? t('cases.tasks.reopen_named', { title: task.title })
                            : t('cases.tasks.mark_done_named', { title: task.title })
                        }
                        data-testid="task-toggle"
                      >
                        {task.done ? t('cases.tasks.reopen') : t('cases.tasks.mark_done')}
                      </button>
                      {task.assignee !== null && (
                        <button
                          type="button"
                          className="button button-small"
                          aria-disabled={busyTask === String(task.id) || undefined}
                          onClick={() =>
                            void change(
                              task,
                              { assignee_user_id: null },
                              t('cases.tasks.unassigned', { title: task.title }),
                            )
                          }
                          aria-label={t('cases.tasks.clear_assignee_named', { title: task.title })}
                          data-testid="task-clear-assignee"
                        >
                          {t('cases.tasks.clear_assignee')}
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {access.write && (
        <TaskForm
          opened={opened}
          onAdded={() => {
            tasks.reload();
            onChanged(t('cases.tasks.added'));
          }}
        />
      )}
    </section>
  );
}
