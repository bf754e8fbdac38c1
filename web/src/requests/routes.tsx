// The routes of requests to service providers (permission cases.read; drafting needs
// requests.draft, which the pages check) and of the provider directory (any signed-in user).
import type { ReactNode } from 'react';
import { CountryPage, DirectoryPage, ProviderPage } from './DirectoryPages';
import { RequestPage } from './RequestPage';
import { RequestsPage } from './RequestsPage';
import { EditRequestPage, NewRequestPage } from './RequestWizard';

const REQUEST_PATH = /^\/requests\/(\d+)$/;
const REQUEST_EDIT_PATH = /^\/requests\/(\d+)\/edit$/;
const PROVIDER_PATH = /^\/directory\/providers\/([a-z0-9_-]+)$/;
const COUNTRY_PATH = /^\/directory\/countries\/([A-Za-z]{2})$/;

/** The page for `pathname` under /requests, or null when it is not one of them. */
export function requestsRoute(pathname: string): ReactNode {
  if (pathname === '/requests') return <RequestsPage />;
  if (pathname === '/requests/new') return <NewRequestPage />;
  const requestId = REQUEST_PATH.exec(pathname)?.[1];
  if (requestId !== undefined) return <RequestPage key={requestId} requestId={requestId} />;
  const editId = REQUEST_EDIT_PATH.exec(pathname)?.[1];
  if (editId !== undefined) return <EditRequestPage key={editId} requestId={editId} />;
  return null;
}

/** The page for `pathname` under /directory, or null. */
export function directoryRoute(pathname: string): ReactNode {
  if (pathname === '/directory') return <DirectoryPage />;
  const providerId = PROVIDER_PATH.exec(pathname)?.[1];
  if (providerId !== undefined) return <ProviderPage key={providerId} providerId={providerId} />;
  const code = COUNTRY_PATH.exec(pathname)?.[1];
  if (code !== undefined) return <CountryPage key={code} code={code.toUpperCase()} />;
  return null;
}
