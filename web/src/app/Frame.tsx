// The frame around every signed-in page: top bar (user, agency, language, sign-out) and the
// side navigation with one entry per module the user may open.
import type { ReactNode } from 'react';
import { useI18n } from './i18n';
import type { TranslationKey } from './i18n';
import { LanguageSwitch } from './LanguageSwitch';
import {
  canAdminister,
  canApproveEvidence,
  canReadAudit,
  canReadCases,
  canReviewAlerts,
  canUseMonitoring,
} from './permissions';
import { Link, useLocation } from './router';
import { useSession } from './session';
import type { SessionUser } from './types';

interface NavEntry {
  path: string;
  label: TranslationKey;
  testId: string;
  visible: (user: SessionUser) => boolean;
}

/** One entry per module; later modules add theirs here. */
export const NAV_ENTRIES: readonly NavEntry[] = [
  { path: '/', label: 'nav.home', testId: 'nav-home', visible: () => true },
  { path: '/cases', label: 'nav.cases', testId: 'nav-cases', visible: canReadCases },
  {
    path: '/disposals',
    label: 'nav.disposals',
    testId: 'nav-disposals',
    visible: canApproveEvidence,
  },
  { path: '/mandates', label: 'nav.mandates', testId: 'nav-mandates', visible: canUseMonitoring },
  {
    path: '/collected',
    label: 'nav.collected',
    testId: 'nav-collected',
    visible: canUseMonitoring,
  },
  { path: '/personas', label: 'nav.personas', testId: 'nav-personas', visible: canUseMonitoring },
  { path: '/detect', label: 'nav.detect', testId: 'nav-detect', visible: canReviewAlerts },
  { path: '/requests', label: 'nav.requests', testId: 'nav-requests', visible: canReadCases },
  { path: '/directory', label: 'nav.directory', testId: 'nav-directory', visible: () => true },
  { path: '/admin', label: 'nav.admin', testId: 'nav-admin', visible: canAdminister },
  { path: '/audit', label: 'nav.audit', testId: 'nav-audit', visible: canReadAudit },
  { path: '/profile', label: 'nav.profile', testId: 'nav-profile', visible: () => true },
];

function isCurrent(entryPath: string, pathname: string): boolean {
  if (entryPath === '/') return pathname === '/';
  return pathname === entryPath || pathname.startsWith(`${entryPath}/`);
}

function TopBar({ minimal }: { minimal: boolean }) {
  const { t } = useI18n();
  const { session, signOut } = useSession();
  const user = session?.user;
  return (
    <header className="topbar">
      <a className="skip-link" href="#main">
        {t('frame.skip_to_content')}
      </a>
      {minimal ? (
        <span className="brand">{t('app.name')}</span>
      ) : (
        <Link to="/" className="brand" data-testid="brand">
          {t('app.name')}
        </Link>
      )}
      <div className="topbar-spacer" />
      {user !== undefined && (
        <div className="topbar-user">
          <span className="topbar-user-name" data-testid="topbar-user">
            {user.display_name || user.username}
          </span>
          <span className="topbar-agency" data-testid="topbar-agency">
            {user.agency_name}
          </span>
        </div>
      )}
      <LanguageSwitch />
      {user !== undefined && (
        <button
          type="button"
          className="button button-quiet"
          onClick={() => void signOut()}
          data-testid="signout"
        >
          {t('frame.sign_out')}
        </button>
      )}
    </header>
  );
}

/** The signed-in frame; `minimal` (TOTP enrolment) shows no navigation. */
export function Frame({ children, minimal = false }: { children: ReactNode; minimal?: boolean }) {
  const { t } = useI18n();
  const { session } = useSession();
  const { pathname } = useLocation();
  const user = session?.user;
  return (
    <div className="frame">
      <TopBar minimal={minimal} />
      <div className="frame-body">
        {!minimal && user !== undefined && (
          <nav className="sidenav" aria-label={t('nav.label')}>
            <ul>
              {NAV_ENTRIES.filter((entry) => entry.visible(user)).map((entry) => {
                const current = isCurrent(entry.path, pathname);
                return (
                  <li key={entry.path}>
                    <Link
                      to={entry.path}
                      className={current ? 'sidenav-link sidenav-link-current' : 'sidenav-link'}
                      aria-current={current ? 'page' : undefined}
                      data-testid={entry.testId}
                    >
                      {t(entry.label)}
                    </Link>
                  </li>
                );
              })}
            </ul>
          </nav>
        )}
        <main id="main" className="main" tabIndex={-1}>
          {children}
        </main>
      </div>
    </div>
  );
}

/** The frame for pages shown before sign-in: the name and the language switch. */
export function PublicFrame({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  return (
    <div className="frame frame-public">
      <header className="topbar">
        <a className="skip-link" href="#main">
          {t('frame.skip_to_content')}
        </a>
        <span className="brand">{t('app.name')}</span>
        <div className="topbar-spacer" />
        <LanguageSwitch />
      </header>
      <main id="main" className="main main-public" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
