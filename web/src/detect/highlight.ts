// The alert view marks every match in the item's text. The server gives each highlight as UTF-8
// BYTE offsets into the text (its matcher works on bytes); JavaScript strings are indexed in
// UTF-16 code units, so the offsets are converted here, code point by code point. A Cyrillic
// letter is 2 bytes and 1 unit, an emoji 4 bytes and 2 units: using the byte offsets as string
// indices would mark the wrong characters.
import type { Highlight } from './types';

const encoder = new TextEncoder();

/** The UTF-8 length of the code point `codePoint`. */
function utf8Length(codePoint: number): number {
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  if (codePoint < 0x10000) return 3;
  return 4;
}

/**
 * Maps UTF-8 byte offsets of `text` to UTF-16 indices. An offset inside a character is moved to
 * that character's start (`round: 'down'`) or past its end (`'up'`), so a mark never splits one.
 * Offsets past the end map to `text.length`.
 */
export class ByteIndex {
  /** byteStarts[i]: the byte offset of the i-th code point; unitStarts[i]: its UTF-16 index. */
  private readonly byteStarts: number[] = [];
  private readonly unitStarts: number[] = [];
  readonly byteLength: number;
  private readonly unitLength: number;

  constructor(text: string) {
    let bytes = 0;
    let units = 0;
    for (const character of text) {
      const codePoint = character.codePointAt(0) ?? 0;
      this.byteStarts.push(bytes);
      this.unitStarts.push(units);
      // A lone surrogate is written by TextEncoder as U+FFFD (3 bytes), as the server saw it.
      const lone = character.length === 1 && codePoint >= 0xd800 && codePoint <= 0xdfff;
      bytes += lone ? 3 : utf8Length(codePoint);
      units += character.length;
    }
    this.byteLength = bytes;
    this.unitLength = units;
  }

  toUnit(byteOffset: number, round: 'down' | 'up' = 'down'): number {
    if (!Number.isFinite(byteOffset) || byteOffset <= 0) return 0;
    if (byteOffset >= this.byteLength) return this.unitLength;
    // The last code point starting at or before byteOffset.
    let low = 0;
    let high = this.byteStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((this.byteStarts[middle] ?? 0) <= byteOffset) low = middle;
      else high = middle - 1;
    }
    const start = this.byteStarts[low] ?? 0;
    const unit = this.unitStarts[low] ?? 0;
    if (start === byteOffset || round === 'down') return unit;
    return this.unitStarts[low + 1] ?? this.unitLength;
  }
}

/** The UTF-8 byte length of `text` (as the server counts). */
export function utf8ByteLength(text: string): number {
  return encoder.encode(text).length;
}

export interface TextPart {
  text: string;
  /** Index into the alert's highlights of the match this part belongs to, or null. */
  highlight: number | null;
}

export interface MarkedText {
  parts: TextPart[];
  /** For each highlight: does the marked text equal the text the server says it matched? */
  exact: boolean[];
}

/**
 * Splits `text` into unmarked and marked parts for the alert's highlights (byte offsets).
 * Highlights are taken in order of their start; one that overlaps an earlier one is marked from
 * where the earlier one ends, so every character is marked at most once.
 */
export function markText(text: string, highlights: readonly Highlight[]): MarkedText {
  const index = new ByteIndex(text);
  const ranges = highlights
    .map((highlight, position) => ({
      position,
      from: index.toUnit(highlight.start, 'down'),
      to: index.toUnit(highlight.end, 'up'),
      expected: highlight.text,
    }))
    .sort((left, right) => left.from - right.from || left.to - right.to);
  const exact: boolean[] = highlights.map(() => false);
  const parts: TextPart[] = [];
  let cursor = 0;
  for (const range of ranges) {
    exact[range.position] = text.slice(range.from, range.to) === range.expected;
    const from = Math.max(range.from, cursor);
    if (range.to <= from) continue;
    if (from > cursor) parts.push({ text: text.slice(cursor, from), highlight: null });
    parts.push({ text: text.slice(from, range.to), highlight: range.position });
    cursor = range.to;
  }
  if (cursor < text.length || parts.length === 0)
    parts.push({ text: text.slice(cursor), highlight: null });
  return { parts, exact };
}

/** The excerpt's parts: the server writes each match between « and ». */
export function excerptParts(excerpt: string): TextPart[] {
  const parts: TextPart[] = [];
  let marks = 0;
  const pattern = /«([^«»]*)»/g;
  let cursor = 0;
  for (let match = pattern.exec(excerpt); match !== null; match = pattern.exec(excerpt)) {
    if (match.index > cursor)
      parts.push({ text: excerpt.slice(cursor, match.index), highlight: null });
    parts.push({ text: match[1] ?? '', highlight: marks });
    marks += 1;
    cursor = match.index + match[0].length;
  }
  if (cursor < excerpt.length) parts.push({ text: excerpt.slice(cursor), highlight: null });
  return parts;
}
