import { describe, expect, it } from 'vitest';
import { ByteIndex, excerptParts, markText, utf8ByteLength } from './highlight';
import { isTypingTarget, moveSelection, nextAfterDecision, queueCommand } from './keys';
import type { KeyInput } from './keys';
import {
  parseLabels,
  precisionPercent,
  queueFiltersFromSearch,
  queueFiltersToSearch,
  alertsListPath,
} from './types';
import type { Highlight } from './types';

/** A highlight of `needle` in `text` as the server gives it: UTF-8 byte offsets. */
function byteHighlight(text: string, needle: string, from = 0): Highlight {
  const index = text.indexOf(needle, from);
  if (index < 0) throw new Error(`${needle} not in ${text}`);
  const start = utf8ByteLength(text.slice(0, index));
  return { start, end: start + utf8ByteLength(needle), text: needle };
}

function marked(text: string, highlights: Highlight[]): string[] {
  return markText(text, highlights)
    .parts.filter((part) => part.highlight !== null)
    .map((part) => part.text);
}

describe('ByteIndex', () => {
  it('maps byte offsets of ASCII, Cyrillic and emoji text to UTF-16 indices', () => {
    const text = 'ab тер 😀x';
    const index = new ByteIndex(text);
    expect(index.byteLength).toBe(new TextEncoder().encode(text).length);
    expect(index.toUnit(0)).toBe(0);
    expect(index.toUnit(3)).toBe(3); // after "ab "
    expect(index.toUnit(5)).toBe(4); // after "т" (2 bytes)
    expect(index.toUnit(9)).toBe(6); // after "тер"
    expect(index.toUnit(10)).toBe(7); // the emoji's first byte
    expect(index.toUnit(14)).toBe(9); // after the emoji: 4 bytes, 2 units
    expect(index.toUnit(15)).toBe(10);
    expect(index.toUnit(999)).toBe(text.length);
    expect(index.toUnit(-5)).toBe(0);
  });

  it('never splits a character: inside one, rounds down or up', () => {
    const index = new ByteIndex('я😀');
    expect(index.toUnit(1, 'down')).toBe(0);
    expect(index.toUnit(1, 'up')).toBe(1);
    expect(index.toUnit(3, 'down')).toBe(1);
    expect(index.toUnit(4, 'up')).toBe(3);
  });
});

describe('markText', () => {
  it('marks exactly the evasion in Cyrillic text after emoji', () => {
    const text = '🔥🔥 Призыв: т.е.р.р.о.р сегодня 💣 и ТЕРРОР завтра';
    const highlights = [byteHighlight(text, 'т.е.р.р.о.р'), byteHighlight(text, 'ТЕРРОР')];
    const result = markText(text, highlights);
    expect(marked(text, highlights)).toEqual(['т.е.р.р.о.р', 'ТЕРРОР']);
    expect(result.exact).toEqual([true, true]);
    expect(result.parts.map((part) => part.text).join('')).toBe(text);
  });

  it('would be wrong with the byte offsets used as string indices', () => {
    const text = 'Это тeppop'; // Latin e and p among Cyrillic
    const highlight = byteHighlight(text, 'тeppop');
    expect(text.slice(highlight.start, highlight.end)).not.toBe('тeppop');
    expect(marked(text, [highlight])).toEqual(['тeppop']);
  });

  it('marks Kazakh letters, zero-width characters and combining marks whole', () => {
    const text = 'қ\u200bа\u200bр\u0301у — және';
    const needle = 'қ\u200bа\u200bр\u0301у';
    const result = markText(text, [byteHighlight(text, needle)]);
    expect(result.parts[0]).toEqual({ text: needle, highlight: 0 });
    expect(result.exact).toEqual([true]);
  });

  it('orders highlights, marks overlaps once and keeps every character', () => {
    const text = 'один два три';
    const late = byteHighlight(text, 'три');
    const wide = byteHighlight(text, 'один два');
    const inner = byteHighlight(text, 'два');
    const result = markText(text, [late, wide, inner]);
    expect(result.parts).toEqual([
      { text: 'один два', highlight: 1 },
      { text: ' ', highlight: null },
      { text: 'три', highlight: 0 },
    ]);
    expect(result.parts.map((part) => part.text).join('')).toBe(text);
  });

  it('reports a highlight whose text differs from the marked text', () => {
    const result = markText('abc', [{ start: 0, end: 2, text: 'xy' }]);
    expect(result.exact).toEqual([false]);
    expect(result.parts[0]).toEqual({ text: 'ab', highlight: 0 });
  });

  it('survives offsets past the end and empty text', () => {
    expect(markText('', []).parts).toEqual([{ text: '', highlight: null }]);
    expect(markText('ab', [{ start: 1, end: 50, text: 'b' }]).parts).toEqual([
      { text: 'a', highlight: null },
      { text: 'b', highlight: 0 },
    ]);
  });
});

describe('excerptParts', () => {
  it('takes the matches between « and »', () => {
    expect(excerptParts('… это «т.е.р.р.о.р» и «x» …')).toEqual([
      { text: '… это ', highlight: null },
      { text: 'т.е.р.р.о.р', highlight: 0 },
      { text: ' и ', highlight: null },
      { text: 'x', highlight: 1 },
      { text: ' …', highlight: null },
    ]);
  });
});

function element(tagName: string, extra: Record<string, unknown> = {}): EventTarget {
  return {
    tagName,
    isContentEditable: false,
    getAttribute: () => null,
    closest: () => null,
    ...extra,
  } as unknown as EventTarget;
}

function press(
  key: string,
  target: EventTarget | null = element('TR'),
  extra: Partial<KeyInput> = {},
) {
  return queueCommand({ key, ctrlKey: false, altKey: false, metaKey: false, target, ...extra });
}

describe('queueCommand', () => {
  it('maps the documented keys', () => {
    expect(press('j')).toBe('next');
    expect(press('ArrowDown')).toBe('next');
    expect(press('k')).toBe('previous');
    expect(press('ArrowUp')).toBe('previous');
    expect(press('Enter')).toBe('open');
    expect(press('o')).toBe('open');
    expect(press('c')).toBe('confirm');
    expect(press('d')).toBe('dismiss');
    expect(press('e')).toBe('escalate');
    expect(press('?')).toBe('help');
    expect(press('J')).toBe('next');
    expect(press('x')).toBeNull();
  });

  it('never fires while typing in a field, a select, an editor or a dialog', () => {
    for (const tag of ['INPUT', 'TEXTAREA', 'SELECT'])
      expect(press('d', element(tag)), tag).toBeNull();
    expect(press('j', element('DIV', { isContentEditable: true }))).toBeNull();
    expect(press('c', element('DIV', { getAttribute: () => 'textbox' }))).toBeNull();
    expect(press('c', element('BUTTON', { closest: () => ({}) }))).toBeNull();
    expect(isTypingTarget(null)).toBe(false);
    expect(press('j', null)).toBe('next');
  });

  it('ignores modified keys, handled events and held decision keys', () => {
    expect(press('c', element('TR'), { ctrlKey: true })).toBeNull();
    expect(press('d', element('TR'), { metaKey: true })).toBeNull();
    expect(press('j', element('TR'), { altKey: true })).toBeNull();
    expect(press('j', element('TR'), { defaultPrevented: true })).toBeNull();
    expect(press('d', element('TR'), { repeat: true })).toBeNull();
    expect(press('j', element('TR'), { repeat: true })).toBe('next');
  });

  it('leaves Enter to links and buttons', () => {
    expect(press('Enter', element('A'))).toBeNull();
    expect(press('Enter', element('BUTTON'))).toBeNull();
    expect(press('o', element('A'))).toBe('open');
  });
});

describe('moveSelection', () => {
  it('moves within the rows', () => {
    expect(moveSelection(-1, 3, 1)).toBe(0);
    expect(moveSelection(-1, 3, -1)).toBe(2);
    expect(moveSelection(0, 3, 1)).toBe(1);
    expect(moveSelection(2, 3, 1)).toBe(2);
    expect(moveSelection(0, 3, -1)).toBe(0);
    expect(moveSelection(0, 0, 1)).toBe(-1);
  });
});

describe('nextAfterDecision', () => {
  it('selects the alert that followed the decided one', () => {
    expect(nextAfterDecision([1, 2, 3, 4], [1, 3, 4], 2)).toBe(3);
    // The next one was decided by someone else meanwhile.
    expect(nextAfterDecision([1, 2, 3, 4], [1, 4], 2)).toBe(4);
  });

  it('falls back to the previous one at the end, and to nothing when empty', () => {
    expect(nextAfterDecision([1, 2, 3], [1, 2], 3)).toBe(2);
    expect(nextAfterDecision([1], [], 1)).toBeNull();
  });

  it('moves down when the decided alert is still listed', () => {
    expect(nextAfterDecision([1, 2, 3], [1, 2, 3], 2)).toBe(3);
  });
});

describe('queue filters', () => {
  it('opens on open alerts and round-trips through the URL', () => {
    expect(queueFiltersFromSearch('')).toEqual({
      state: 'open',
      kind: '',
      listId: '',
      bankId: '',
      offset: 0,
    });
    const filters = queueFiltersFromSearch('?state=dismissed&kind=image&list_id=4&offset=50');
    expect(filters).toEqual({
      state: 'dismissed',
      kind: 'image',
      listId: '4',
      bankId: '',
      offset: 50,
    });
    expect(queueFiltersFromSearch(queueFiltersToSearch(filters))).toEqual(filters);
    expect(queueFiltersToSearch(queueFiltersFromSearch(''))).toBe('');
    expect(alertsListPath(queueFiltersFromSearch('?list_id=7'))).toBe(
      '/api/v1/alerts?state=open&list_id=7&limit=50&offset=0',
    );
    expect(queueFiltersFromSearch('?state=bogus&kind=x').state).toBe('open');
  });
});

describe('small helpers', () => {
  it('precision as a percentage', () => {
    expect(precisionPercent(null)).toBeNull();
    expect(precisionPercent(0.666)).toBe(67);
    expect(precisionPercent(1)).toBe(100);
  });

  it('labels from a typed list', () => {
    expect(parseLabels(' a, b;a\n c ,')).toEqual(['a', 'b', 'c']);
  });
});
