import { describe, expect, it } from 'vitest';
import {
  effectiveTimeZone,
  formatDateTime,
  listTimeZones,
  nextDay,
  utcToZonedLocal,
  zonedDayStartToUtc,
  zonedLocalToUtc,
} from './time';

describe('zonedLocalToUtc', () => {
  it('converts a wall time in a fixed-offset zone', () => {
    expect(zonedLocalToUtc('2026-11-27T09:30', 'Asia/Tokyo')).toBe('2026-11-27T00:30:00.000Z');
    expect(zonedLocalToUtc('2026-11-27T00:00:15', 'UTC')).toBe('2026-11-27T00:00:15.000Z');
  });

  it('uses the offset in force on that date (daylight saving)', () => {
    expect(zonedLocalToUtc('2026-07-01T12:00', 'Europe/Berlin')).toBe('2026-07-01T10:00:00.000Z');
    expect(zonedLocalToUtc('2026-01-15T12:00', 'Europe/Berlin')).toBe('2026-01-15T11:00:00.000Z');
  });

  it('works across a day boundary', () => {
    expect(zonedLocalToUtc('2026-01-01T02:00', 'Asia/Tokyo')).toBe('2025-12-31T17:00:00.000Z');
  });

  it('refuses what is not a datetime-local value', () => {
    expect(zonedLocalToUtc('yesterday', 'UTC')).toBeNull();
    expect(zonedLocalToUtc('', 'UTC')).toBeNull();
  });
});

describe('formatDateTime', () => {
  it('shows the instant in the given zone', () => {
    expect(formatDateTime('2026-11-27T00:24:38.123Z', 'en-GB', 'Asia/Tokyo')).toBe(
      '27/11/2026, 09:24:38',
    );
    expect(formatDateTime('2026-11-27T00:24:38.123Z', 'en-GB', 'UTC')).toBe('27/11/2026, 00:24:38');
  });

  it('falls back to Asia/Almaty for an unknown zone and keeps unreadable input', () => {
    expect(effectiveTimeZone('Not/AZone')).toBe('Asia/Almaty');
    expect(effectiveTimeZone('')).toBe('Asia/Almaty');
    expect(formatDateTime('not a time', 'en-GB', 'UTC')).toBe('not a time');
  });
});

describe('listTimeZones', () => {
  it('holds Almaty and UTC, sorted, without duplicates', () => {
    const zones = listTimeZones();
    expect(zones).toContain('Asia/Almaty');
    expect(zones).toContain('UTC');
    expect([...zones].sort((a, b) => a.localeCompare(b))).toEqual(zones);
    expect(new Set(zones).size).toBe(zones.length);
  });
});

describe('utcToZonedLocal', () => {
  it('is the inverse of zonedLocalToUtc to the minute', () => {
    expect(utcToZonedLocal('2026-11-27T00:30:00.000Z', 'Asia/Tokyo')).toBe('2026-11-27T09:30');
    expect(utcToZonedLocal('2026-07-01T10:00:00Z', 'Europe/Berlin')).toBe('2026-07-01T12:00');
    expect(
      zonedLocalToUtc(utcToZonedLocal('2025-12-31T17:00:00Z', 'Asia/Almaty'), 'Asia/Almaty'),
    ).toBe('2025-12-31T17:00:00.000Z');
  });

  it('answers empty for no time', () => {
    expect(utcToZonedLocal(null, 'UTC')).toBe('');
    expect(utcToZonedLocal('soon', 'UTC')).toBe('');
  });
});

describe('days', () => {
  it('finds the start of a day in a zone and the next day', () => {
    expect(zonedDayStartToUtc('2026-11-27', 'Asia/Tokyo')).toBe('2026-11-26T15:00:00.000Z');
    expect(zonedDayStartToUtc('27.11.2026', 'UTC')).toBeNull();
    expect(nextDay('2026-12-31')).toBe('2027-01-01');
    expect(nextDay('2028-02-28')).toBe('2028-02-29');
  });
});
