// The application: providers, the route table, and the guard that sends a signed-out user to
// sign-in (remembering where they were) and a user without TOTP to enrolment.
import { useEffect, useRef } from 'react';
import type { ReactNode } from 'react';
import { AdminPage } from '../admin/AdminPage';
import type { AdminTab } from '../admin/AdminPage';
import { AuditPage } from '../audit/AuditPage';
import { CasePage } from '../cases/CasePage';
import { CasesPage } from '../cases/CasesPage';
import { NewCasePage } from '../cases/NewCasePage';
import { DisposalsPage } from '../evidence/DisposalsPage';
import { EvidencePage } from '../evidence/EvidencePage';
import { SignInPage } from '../auth/SignInPage';
import { TotpEnrollPage } from '../auth/TotpEnrollPage';
import { CollectedItemPage } from '../collect/CollectedItemPage';
import { CollectedPage } from '../collect/CollectedPage';
import { HomePage } from '../home/HomePage';
import { detectRoute } from '../detect/routes';
import { EditMandatePage, NewMandatePage } from '../mandates/MandateEditorPage';
import { MandatePage } from '../mandates/MandatePage';
import { MandatesPage } from '../mandates/MandatesPage';
import { PersonasPage } from '../mandates/PersonasPage';
import { ProfilePage } from '../profile/ProfilePage';
import { directoryRoute, requestsRoute } from '../requests/routes';
import { Frame, PublicFrame } from './Frame';
import { I18nProvider, useI18n } from './i18n';
import {
  canAdminister,
  canApproveEvidence,
  canCreateCases,
  canReadAudit,
  canReadCases,
  canReviewAlerts,
  canUseMonitoring,
} from './permissions';
import { Link, navigate, useLocation } from './router';
import { SessionProvider, useSession } from './session';
import { Loading, PageHeader } from './ui';

function Forbidden() {
  const { t } = useI18n();
  return (
    <section className="page" data-testid="page-forbidden">
      <PageHeader title={t('forbidden.title')} testId="page-title" />
      <p>{t('forbidden.text')}</p>
      <Link to="/" className="button">
        {t('common.go_home')}
      </Link>
    </section>
  );
}

function NotFound() {
  const { t } = useI18n();
  return (
    <section className="page" data-testid="page-not-found">
      <PageHeader title={t('not_found.title')} testId="page-title" />
      <p>{t('not_found.text')}</p>
      <Link to="/" className="button">
        {t('common.go_home')}
      </Link>
    </section>
  );
}

const ADMIN_TABS: Record<string, AdminTab> = {
  '/admin/regions': 'regions',
  '/admin/agencies': 'agencies',
  '/admin/users': 'users',
};

const CASE_PATH = /^\/cases\/(\d+)$/;
const EVIDENCE_PATH = /^\/evidence\/(\d+)$/;
const MANDATE_PATH = /^\/mandates\/(\d+)$/;
const MANDATE_EDIT_PATH = /^\/mandates\/(\d+)\/edit$/;
const COLLECTED_PATH = /^\/collected\/(\d+)$/;

/** Monitoring mandates, collection and personas (permission monitoring.use). */
function monitoringRoute(pathname: string): ReactNode {
  if (pathname === '/mandates') return <MandatesPage />;
  if (pathname === '/mandates/new') return <NewMandatePage />;
  if (pathname === '/collected') return <CollectedPage />;
  if (pathname === '/personas') return <PersonasPage />;
  const mandateId = MANDATE_PATH.exec(pathname)?.[1];
  if (mandateId !== undefined) return <MandatePage key={mandateId} mandateId={mandateId} />;
  const editId = MANDATE_EDIT_PATH.exec(pathname)?.[1];
  if (editId !== undefined) return <EditMandatePage key={editId} mandateId={editId} />;
  const collectedId = COLLECTED_PATH.exec(pathname)?.[1];
  if (collectedId !== undefined)
    return <CollectedItemPage key={collectedId} itemId={collectedId} />;
  return null;
}

function SignedInRoutes({ pathname }: { pathname: string }): ReactNode {
  const { session } = useSession();
  if (session === null) return null;
  const user = session.user;
  if (pathname === '/') return <HomePage />;
  if (pathname === '/profile') return <ProfilePage />;
  if (pathname === '/profile/totp') return <TotpEnrollPage mode="profile" />;
  if (pathname === '/audit') return canReadAudit(user) ? <AuditPage /> : <Forbidden />;
  if (pathname === '/cases') return canReadCases(user) ? <CasesPage /> : <Forbidden />;
  if (pathname === '/cases/new') return canCreateCases(user) ? <NewCasePage /> : <Forbidden />;
  const caseId = CASE_PATH.exec(pathname)?.[1];
  if (caseId !== undefined)
    return canReadCases(user) ? <CasePage key={caseId} caseId={caseId} /> : <Forbidden />;
  const itemId = EVIDENCE_PATH.exec(pathname)?.[1];
  if (itemId !== undefined)
    return canReadCases(user) ? <EvidencePage key={itemId} itemId={itemId} /> : <Forbidden />;
  const monitoring = monitoringRoute(pathname);
  if (monitoring !== null) return canUseMonitoring(user) ? monitoring : <Forbidden />;
  const detection = detectRoute(pathname);
  if (detection !== null) return canReviewAlerts(user) ? detection : <Forbidden />;
  const requests = requestsRoute(pathname);
  if (requests !== null) return canReadCases(user) ? requests : <Forbidden />;
  const directory = directoryRoute(pathname);
  if (directory !== null) return directory;
  if (pathname === '/disposals')
    return canApproveEvidence(user) ? <DisposalsPage /> : <Forbidden />;
  const adminTab = ADMIN_TABS[pathname];
  if (adminTab !== undefined)
    return canAdminister(user) ? <AdminPage tab={adminTab} /> : <Forbidden />;
  return <NotFound />;
}

function Routes() {
  const { status, session, notice, rememberReturnPath, takeReturnPath } = useSession();
  const { pathname, href } = useLocation();

  // Where each kind of visitor belongs.
  let redirect: string | null = null;
  if (status === 'signed_out' && pathname !== '/signin') redirect = '/signin';
  if (status === 'signed_in' && session !== null) {
    if (session.stage === 'enroll' && pathname !== '/enroll') redirect = '/enroll';
    if (session.stage === 'full' && (pathname === '/signin' || pathname === '/enroll'))
      redirect = 'return';
    if (session.stage === 'full' && pathname === '/admin') redirect = '/admin/users';
  }

  useEffect(() => {
    if (redirect === null) return;
    // After signing out, the next sign-in (perhaps someone else's) starts at home.
    if (redirect === '/signin' && notice !== 'signed_out') rememberReturnPath(href);
    navigate(redirect === 'return' ? takeReturnPath() : redirect, { replace: true });
  }, [redirect, href, notice, rememberReturnPath, takeReturnPath]);

  // Move focus to the new page's heading, so that a screen reader announces it.
  const firstRender = useRef(true);
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    if (pathname === '/signin' || pathname === '/enroll') return;
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [pathname]);

  if (status === 'loading' || redirect !== null) {
    return (
      <PublicFrame>
        <Loading />
      </PublicFrame>
    );
  }
  if (status === 'signed_out') {
    return (
      <PublicFrame>
        <SignInPage />
      </PublicFrame>
    );
  }
  if (session?.stage === 'enroll') {
    return (
      <Frame minimal>
        <TotpEnrollPage mode="required" />
      </Frame>
    );
  }
  return (
    <Frame>
      <SignedInRoutes pathname={pathname} />
    </Frame>
  );
}

export function App() {
  return (
    <I18nProvider>
      <SessionProvider>
        <Routes />
      </SessionProvider>
    </I18nProvider>
  );
}
