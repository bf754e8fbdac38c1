// Requesting a mandate (/mandates/new) and changing a draft or a rejected one
// (/mandates/{id}/edit). After saving, the mandate's page; the form is in MandateForm.
import { ApiError } from '../app/api';
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { canReadCases } from '../app/permissions';
import { Link, navigate } from '../app/router';
import { useSignedIn } from '../app/session';
import { FormError, Loading, Notice, PageHeader } from '../app/ui';
import { useResource } from '../app/useResource';
import type { Case } from '../cases/types';
import { MandateForm } from './MandateForm';
import { mandatePagePath, mandatePath } from './types';
import type { Mandate } from './types';

function useCases() {
  const { user } = useSignedIn();
  return useResource<{ cases: Case[] }>(canReadCases(user) ? '/api/v1/cases?limit=1000' : null);
}

export function NewMandatePage() {
  const { t } = useI18n();
  const cases = useCases();
  return (
    <section className="page" data-testid="page-mandate-new">
      <p className="breadcrumb">
        <Link to="/mandates" data-testid="mandate-back">
          {t('mandates.back_to_list')}
        </Link>
      </p>
      <PageHeader title={t('mandates.new.title')} testId="page-title" />
      {cases.error !== null && (
        <FormError message={errorMessage(t, cases.error)} testId="mandate-cases-error" />
      )}
      {cases.loading ? (
        <Loading />
      ) : (
        <MandateForm
          mandate={null}
          cases={cases.data?.cases ?? []}
          onCancel={() => navigate('/mandates')}
          onSaved={(saved, intent) =>
            navigate(
              `${mandatePagePath(saved.id)}?saved=${intent === 'submit' ? 'submitted' : 'draft'}`,
            )
          }
        />
      )}
    </section>
  );
}

export function EditMandatePage({ mandateId }: { mandateId: string }) {
  const { t } = useI18n();
  const cases = useCases();
  const loaded = useResource<Mandate>(mandatePath(mandateId));
  const mandate = loaded.data;
  const notFound = loaded.error instanceof ApiError && loaded.error.status === 404;
  return (
    <section className="page" data-testid="page-mandate-edit">
      <p className="breadcrumb">
        <Link to={mandatePagePath(mandateId)} data-testid="mandate-back">
          {t('mandates.back_to_mandate')}
        </Link>
      </p>
      <PageHeader title={t('mandates.edit.title')} testId="page-title" />
      {loaded.error !== null && (
        <FormError
          message={notFound ? t('mandates.not_found') : errorMessage(t, loaded.error)}
          testId="mandate-error"
        />
      )}
      {(loaded.loading || cases.loading) && loaded.error === null && <Loading />}
      {mandate !== null && !cases.loading && mandate.can?.edit === false && (
        <Notice testId="mandate-not-editable" tone="warning">
          {t('mandates.edit.not_editable')}
        </Notice>
      )}
      {mandate !== null && !cases.loading && mandate.can?.edit !== false && (
        <MandateForm
          mandate={mandate}
          cases={cases.data?.cases ?? []}
          onCancel={() => navigate(mandatePagePath(mandate.id))}
          onSaved={(saved, intent) =>
            navigate(
              `${mandatePagePath(saved.id)}?saved=${intent === 'submit' ? 'submitted' : 'draft'}`,
            )
          }
        />
      )}
    </section>
  );
}
