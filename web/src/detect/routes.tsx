// The detection section's routes (permission detect.review; the pages offer editing only with
// detect.manage).
import type { ReactNode } from 'react';
import { AlertPage } from './AlertPage';
import { BankPage } from './BankPage';
import { BanksPage } from './BanksPage';
import { ListPage } from './ListPage';
import { ListsPage } from './ListsPage';
import { MetricsPage } from './MetricsPage';
import { QueuePage } from './QueuePage';

const ALERT_PATH = /^\/detect\/alerts\/(\d+)$/;
const LIST_PATH = /^\/detect\/lists\/(\d+)$/;
const BANK_PATH = /^\/detect\/banks\/(\d+)$/;

/** The page for `pathname` in /detect, or null when it is not one of them. */
export function detectRoute(pathname: string): ReactNode {
  if (pathname === '/detect') return <QueuePage />;
  if (pathname === '/detect/lists') return <ListsPage />;
  if (pathname === '/detect/banks') return <BanksPage />;
  if (pathname === '/detect/metrics') return <MetricsPage />;
  const alertId = ALERT_PATH.exec(pathname)?.[1];
  if (alertId !== undefined) return <AlertPage key={alertId} alertId={alertId} />;
  const listId = LIST_PATH.exec(pathname)?.[1];
  if (listId !== undefined) return <ListPage key={listId} listId={listId} />;
  const bankId = BANK_PATH.exec(pathname)?.[1];
  if (bankId !== undefined) return <BankPage key={bankId} bankId={bankId} />;
  return null;
}
