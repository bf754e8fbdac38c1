// Administration: regions, agencies and users, one tab each.
import { useI18n } from '../app/i18n';
import type { TranslationKey } from '../app/i18n';
import { Link } from '../app/router';
import { PageHeader } from '../app/ui';
import { AgenciesPanel } from './AgenciesPanel';
import { RegionsPanel } from './RegionsPanel';
import { UsersPanel } from './UsersPanel';

export type AdminTab = 'regions' | 'agencies' | 'users';

const TABS: readonly { tab: AdminTab; label: TranslationKey }[] = [
  { tab: 'users', label: 'admin.tab.users' },
  { tab: 'agencies', label: 'admin.tab.agencies' },
  { tab: 'regions', label: 'admin.tab.regions' },
];

export function AdminPage({ tab }: { tab: AdminTab }) {
  const { t } = useI18n();
  return (
    <section className="page" data-testid="page-admin" data-tab={tab}>
      <PageHeader title={t('admin.title')} testId="page-title" />
      <nav className="tabs" aria-label={t('admin.tabs_label')}>
        {TABS.map((entry) => (
          <Link
            key={entry.tab}
            to={`/admin/${entry.tab}`}
            className={entry.tab === tab ? 'tab tab-current' : 'tab'}
            aria-current={entry.tab === tab ? 'page' : undefined}
            data-testid={`admin-tab-${entry.tab}`}
          >
            {t(entry.label)}
          </Link>
        ))}
      </nav>
      {tab === 'regions' && <RegionsPanel />}
      {tab === 'agencies' && <AgenciesPanel />}
      {tab === 'users' && <UsersPanel />}
    </section>
  );
}
