// Times are stored in UTC and shown in the user's time zone (docs: DESIGN.md, Languages).

export const DEFAULT_TIME_ZONE = 'Asia/Almaty';

/** Kazakhstan's zones, offered first in the time-zone select. */
export const KAZAKHSTAN_TIME_ZONES = [
  'Asia/Almaty',
  'Asia/Qostanay',
  'Asia/Qyzylorda',
  'Asia/Aqtobe',
  'Asia/Aqtau',
  'Asia/Atyrau',
  'Asia/Oral',
] as const;

// Used only where the browser cannot list its zones.
const FALLBACK_TIME_ZONES = [
  ...KAZAKHSTAN_TIME_ZONES,
  'UTC',
  'Asia/Bishkek',
  'Asia/Tashkent',
  'Asia/Dushanbe',
  'Asia/Ashgabat',
  'Asia/Baku',
  'Asia/Tbilisi',
  'Asia/Yerevan',
  'Asia/Urumqi',
  'Asia/Shanghai',
  'Asia/Dubai',
  'Asia/Istanbul',
  'Europe/Istanbul',
  'Europe/Moscow',
  'Europe/Minsk',
  'Europe/Kyiv',
  'Europe/Berlin',
  'Europe/London',
  'America/New_York',
];

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The zone to show times in: the user's if the browser knows it, else Asia/Almaty. */
export function effectiveTimeZone(zone: string | null | undefined): string {
  if (zone !== null && zone !== undefined && zone !== '' && isValidTimeZone(zone)) return zone;
  return DEFAULT_TIME_ZONE;
}

/** Every IANA zone the browser knows, sorted, with UTC; `current` is kept even if unknown. */
export function listTimeZones(current?: string): string[] {
  let zones: string[];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    zones = FALLBACK_TIME_ZONES;
  }
  const all = new Set<string>(zones);
  all.add('UTC');
  for (const zone of KAZAKHSTAN_TIME_ZONES) all.add(zone);
  if (current !== undefined && current !== '') all.add(current);
  return [...all].sort((left, right) => left.localeCompare(right));
}

/** "27.11.2026, 05:24:38" style date and time of an RFC 3339 instant in `timeZone`. */
export function formatDateTime(iso: string, locale: string, timeZone: string): string {
  const instant = new Date(iso);
  if (Number.isNaN(instant.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, {
    timeZone: effectiveTimeZone(timeZone),
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(instant);
}

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallTimeIn(instantMs: number, timeZone: string): WallTime {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instantMs));
  const value = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((part) => part.type === type)?.value ?? '0');
  return {
    year: value('year'),
    month: value('month'),
    day: value('day'),
    hour: value('hour') % 24,
    minute: value('minute'),
    second: value('second'),
  };
}

function offsetMs(instantMs: number, timeZone: string): number {
  const wall = wallTimeIn(instantMs, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

const LOCAL_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * The UTC instant (RFC 3339 with milliseconds) of a wall time "YYYY-MM-DDTHH:mm[:ss]" in
 * `timeZone`, as typed into an <input type="datetime-local">; null when it is not such a time.
 */
export function zonedLocalToUtc(local: string, timeZone: string): string | null {
  const match = LOCAL_PATTERN.exec(local);
  if (match === null) return null;
  const [, year, month, day, hour, minute, second] = match;
  const wallAsUtc = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second ?? '0'),
  );
  const zone = effectiveTimeZone(timeZone);
  // Two rounds find the offset in force at that wall time, also next to a DST change.
  let guess = wallAsUtc - offsetMs(wallAsUtc, zone);
  guess = wallAsUtc - offsetMs(guess, zone);
  return new Date(guess).toISOString();
}

/**
 * The wall time "YYYY-MM-DDTHH:mm" of an RFC 3339 instant in `timeZone`, as an
 * <input type="datetime-local"> shows it; '' when `iso` is not a time.
 */
export function utcToZonedLocal(iso: string | null | undefined, timeZone: string): string {
  if (iso === null || iso === undefined || iso === '') return '';
  const instantMs = Date.parse(iso);
  if (Number.isNaN(instantMs)) return '';
  const wall = wallTimeIn(instantMs, effectiveTimeZone(timeZone));
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}T${pad(wall.hour)}:${pad(wall.minute)}`;
}

/** The UTC instant at which the day "YYYY-MM-DD" starts in `timeZone`; null when not a date. */
export function zonedDayStartToUtc(day: string, timeZone: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  return zonedLocalToUtc(`${day}T00:00`, timeZone);
}

/** The day after "YYYY-MM-DD" (calendar arithmetic, no time zone involved). */
export function nextDay(day: string): string {
  const [year, month, date] = day.split('-').map(Number);
  const next = new Date(Date.UTC(year ?? 1970, (month ?? 1) - 1, (date ?? 1) + 1));
  return next.toISOString().slice(0, 10);
}
