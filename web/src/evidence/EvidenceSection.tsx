// A case's evidence on the case page: the items (name, size, type, SHA-256, when ingested,
// state, last verification), each linking to its page; "Add evidence" for those who may write
// the case (the lead, members and supervisors; prosecutors and viewers read); and the bundles.
import { errorMessage } from '../app/errors';
import { useI18n } from '../app/i18n';
import { Link } from '../app/router';
import { FormError, Loading } from '../app/ui';
import { useResource } from '../app/useResource';
import type { Case, CaseAccess } from '../cases/types';
import { BundlePanel } from './BundlePanel';
import { HashValue, ItemBadges, Size, Time, VerificationBadge } from './parts';
import { caseEvidencePath, evidencePagePath } from './types';
import type { EvidenceItem } from './types';
import { UploadPanel } from './UploadPanel';

function ItemsTable({ items, loading }: { items: readonly EvidenceItem[]; loading: boolean }) {
  const { t } = useI18n();
  const names = new Map(items.map((item) => [String(item.id), item.original_name]));
  return (
    <div className="table-wrap">
      <table className="table" data-testid="evidence-table" aria-busy={loading}>
        <caption className="visually-hidden">{t('evidence.title')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('evidence.field.name')}</th>
            <th scope="col">{t('evidence.field.size')}</th>
            <th scope="col">{t('evidence.field.mime')}</th>
            <th scope="col">{t('evidence.hash.sha256')}</th>
            <th scope="col">{t('evidence.field.ingested_at')}</th>
            <th scope="col">{t('common.status')}</th>
            <th scope="col">{t('evidence.field.last_verification')}</th>
          </tr>
        </thead>
        <tbody>
          {items.length === 0 && (
            <tr>
              <td colSpan={7} data-testid="evidence-empty">
                {t('evidence.none')}
              </td>
            </tr>
          )}
          {items.map((item) => {
            const parent = item.parent_id === null ? undefined : names.get(String(item.parent_id));
            return (
              <tr
                key={String(item.id)}
                data-testid="evidence-row"
                data-id={String(item.id)}
                data-name={item.original_name}
                data-state={item.state}
                data-sealed={item.sealed ? 'true' : 'false'}
              >
                <td className="detail evidence-name">
                  <Link
                    to={evidencePagePath(item.id)}
                    aria-label={t('evidence.open_named', { name: item.original_name })}
                    data-testid="evidence-link"
                  >
                    {item.original_name}
                  </Link>
                  {parent !== undefined && (
                    <span className="muted evidence-parent">
                      {t('evidence.child_of', { name: parent })}
                    </span>
                  )}
                </td>
                <td>
                  <Size bytes={item.size} testId="evidence-size" />
                </td>
                <td className="mono" data-testid="evidence-mime">
                  {item.mime_type}
                </td>
                <td className="nowrap">
                  <HashValue
                    value={item.sha256}
                    label={t('evidence.hash.sha256')}
                    short
                    testId="evidence-sha256"
                  />
                </td>
                <td>
                  <Time iso={item.ingested_at} testId="evidence-ingested" />
                </td>
                <td>
                  <ItemBadges item={item} testId="evidence-state" />
                </td>
                <td>
                  <VerificationBadge
                    result={item.last_verification}
                    testId="evidence-verification"
                  />{' '}
                  <Time iso={item.last_verified_at} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function EvidenceSection({
  opened,
  access,
  onChanged,
}: {
  opened: Case;
  access: CaseAccess;
  onChanged: (message: string) => void;
}) {
  const { t } = useI18n();
  const list = useResource<{ items: EvidenceItem[] }>(caseEvidencePath(opened.id));
  const items = list.data?.items ?? [];
  return (
    <>
      <section className="panel" aria-labelledby="case-evidence-title" data-testid="case-evidence">
        <h2 id="case-evidence-title">{t('evidence.title')}</h2>
        {list.error !== null && (
          <FormError message={errorMessage(t, list.error)} testId="evidence-load-error" />
        )}
        {list.data === null && list.error === null && <Loading />}
        {list.data !== null && <ItemsTable items={items} loading={list.loading} />}
        {access.write && (
          <UploadPanel
            opened={opened}
            items={items}
            onUploaded={(item) => {
              list.reload();
              onChanged(t('evidence.upload.added', { name: item.original_name }));
            }}
          />
        )}
      </section>
      <BundlePanel opened={opened} access={access} items={items} />
    </>
  );
}
