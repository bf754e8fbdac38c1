// The review queue's keyboard: j/k move the selection, Enter or o opens the alert, c confirms,
// d dismisses, e escalates, ? shows the legend. Pure functions, so that the rules are tested
// without a browser: a key typed into a field, or with Ctrl/Alt/Meta, is never a shortcut.

export type QueueCommand =
  'next' | 'previous' | 'open' | 'confirm' | 'dismiss' | 'escalate' | 'help';

/** What the handler needs of a keydown event (a KeyboardEvent has all of it). */
export interface KeyInput {
  key: string;
  ctrlKey: boolean;
  altKey: boolean;
  metaKey: boolean;
  repeat?: boolean;
  defaultPrevented?: boolean;
  target: EventTarget | null;
}

/** The shortcuts, in the order of the legend. */
export const SHORTCUTS: readonly { keys: readonly string[]; command: QueueCommand }[] = [
  { keys: ['j', 'ArrowDown'], command: 'next' },
  { keys: ['k', 'ArrowUp'], command: 'previous' },
  { keys: ['Enter', 'o'], command: 'open' },
  { keys: ['c'], command: 'confirm' },
  { keys: ['d'], command: 'dismiss' },
  { keys: ['e'], command: 'escalate' },
  { keys: ['?'], command: 'help' },
];

const BY_KEY = new Map<string, QueueCommand>(
  SHORTCUTS.flatMap(({ keys, command }) => keys.map((key) => [key, command] as const)),
);

interface ElementLike {
  tagName?: string;
  isContentEditable?: boolean;
  getAttribute?: (name: string) => string | null;
  closest?: (selector: string) => unknown;
}

const TYPING_ROLES = new Set(['textbox', 'combobox', 'searchbox', 'spinbutton', 'listbox']);

/** True when keys pressed on `target` are typed into it (a field, a select, an editor). */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (target === null || typeof target !== 'object') return false;
  const element = target as ElementLike;
  const tag = (element.tagName ?? '').toUpperCase();
  if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (element.isContentEditable === true) return true;
  const role = element.getAttribute?.('role');
  if (role !== null && role !== undefined && TYPING_ROLES.has(role)) return true;
  // Inside an open dialog, keys belong to the dialog.
  return element.closest?.('dialog[open], [role="dialog"]') != null;
}

/** True when Enter on `target` already does something of its own (a link, a button). */
function activatesItself(target: EventTarget | null): boolean {
  if (target === null || typeof target !== 'object') return false;
  const tag = ((target as ElementLike).tagName ?? '').toUpperCase();
  return tag === 'A' || tag === 'BUTTON' || tag === 'SUMMARY';
}

/** The command for a key press in the queue, or null when the key is not a shortcut there. */
export function queueCommand(input: KeyInput): QueueCommand | null {
  if (input.defaultPrevented === true) return null;
  if (input.ctrlKey || input.altKey || input.metaKey) return null;
  if (isTypingTarget(input.target)) return null;
  const command = BY_KEY.get(input.key) ?? BY_KEY.get(input.key.toLowerCase()) ?? null;
  // Letters in either case (Caps Lock); Enter on a link or button keeps its own meaning.
  if (command === 'open' && input.key === 'Enter' && activatesItself(input.target)) return null;
  // Holding a decision key down must not decide one alert after another.
  if (input.repeat === true && command !== 'next' && command !== 'previous') return null;
  return command;
}

/** The selection after moving by `delta` among `count` rows (stays within them; -1 if none). */
export function moveSelection(index: number, count: number, delta: number): number {
  if (count <= 0) return -1;
  if (index < 0) return delta < 0 ? count - 1 : 0;
  return Math.min(count - 1, Math.max(0, index + delta));
}

/**
 * Which alert to select after a decision on `decidedId`, given the ids before (`before`) and
 * after (`after`) the queue was reloaded: the one that followed it, else the one before, so that
 * the reviewer goes on with the next alert.
 */
export function nextAfterDecision<T>(
  before: readonly T[],
  after: readonly T[],
  decidedId: T,
): T | null {
  if (after.length === 0) return null;
  const position = before.indexOf(decidedId);
  if (after.includes(decidedId)) {
    // Still listed (an escalated alert in a view of every state): the next one down.
    const index = after.indexOf(decidedId);
    return after[Math.min(index + 1, after.length - 1)] ?? null;
  }
  // The first alert after it that is still listed.
  for (let index = position + 1; position >= 0 && index < before.length; index += 1) {
    const candidate = before[index] as T;
    if (after.includes(candidate)) return candidate;
  }
  // Otherwise the one at its place, or the last.
  const fallback = position < 0 ? 0 : Math.min(position, after.length - 1);
  return after[fallback] ?? null;
}
