import { describe, expect, it } from 'vitest';
import { ApiError } from '../app/api';
import { translate } from '../app/i18n';
import type { TranslationKey, TranslationParams } from '../app/i18n';
import {
  categoryName,
  disposalFor,
  formatSize,
  hasContent,
  percentOf,
  shortHash,
  sortEvents,
  transferRate,
  uploadErrorText,
  uploadPath,
} from './types';
import type { CustodyEvent, Disposal, EvidenceItem, UploadMetadata } from './types';

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];
const t = (key: TranslationKey, params?: TranslationParams) => translate('en', key, params);

const metadata: UploadMetadata = {
  description: '',
  source_type: 'seized',
  source_detail: '  Иванов И. И.  ',
  acquisition_method: '',
  acquisition_tool: '',
  examiner: 'Әлия Қасымова',
  acquired_at: '2026-11-26T04:30:00.000Z',
  acquired_place: '',
  legal_basis: 'Постановление №12 от 25.11.2026',
  parent_id: '',
  categories: ['default', 'serious'],
};

function item(change: Partial<EvidenceItem> = {}): EvidenceItem {
  return {
    id: 5,
    case_id: 7,
    case_number: 'ALA-CYB-2026-00001',
    original_name: 'phone.E01',
    size: 10,
    mime_type: 'application/octet-stream',
    md5: '',
    sha1: '',
    sha256: '',
    description: '',
    source_type: 'seized',
    source_detail: '',
    acquisition_method: '',
    acquisition_tool: '',
    examiner: '',
    acquired_at: null,
    acquired_place: '',
    legal_basis: 'x',
    parent_id: null,
    children: [],
    categories: [],
    retention_until: null,
    state: 'active',
    sealed: false,
    seal_number: '',
    ingested_by: { user_id: 1, username: 'aliya', display_name: 'Aliya' },
    ingested_at: '2026-11-26T04:30:00.000Z',
    last_verified_at: null,
    last_verification: null,
    ewf: null,
    ...change,
  };
}

function event(id: number, at: string): CustodyEvent {
  return {
    id,
    item_id: 5,
    action: 'view',
    actor: null,
    at,
    where: null,
    why: null,
    from: null,
    to: null,
    hash_before: null,
    hash_after: null,
    result: null,
    leaf_index: id,
  };
}

function disposal(id: number, itemId: number, state: string, requestedAt: string): Disposal {
  return {
    id,
    item_id: itemId,
    item_name: 'x',
    case_id: 7,
    case_number: 'n',
    reason: 'r',
    state,
    requested_by: { user_id: 1, username: 'a', display_name: 'A' },
    requested_at: requestedAt,
    approved_by: null,
    approved_at: null,
    scheduled_for: state === 'approved' ? '2026-12-03T00:00:00.000Z' : null,
    rejected_reason: null,
    done_at: null,
  };
}

describe('uploadPath', () => {
  it('puts the name and the given metadata in the query, trimmed, empty ones left out', () => {
    const path = uploadPath(7, 'чат экспорт #1.zip', metadata);
    expect(path.startsWith('/api/v1/cases/7/evidence?')).toBe(true);
    const query = new URLSearchParams(path.slice(path.indexOf('?') + 1));
    expect(Object.fromEntries(query)).toEqual({
      name: 'чат экспорт #1.zip',
      source_type: 'seized',
      source_detail: 'Иванов И. И.',
      examiner: 'Әлия Қасымова',
      acquired_at: '2026-11-26T04:30:00.000Z',
      legal_basis: 'Постановление №12 от 25.11.2026',
      categories: 'default,serious',
    });
  });

  it('names the parent when one is chosen', () => {
    const query = new URLSearchParams(
      uploadPath(7, 'a', { ...metadata, parent_id: '3', categories: [] }).split('?')[1],
    );
    expect(query.get('parent_id')).toBe('3');
    expect(query.has('categories')).toBe(false);
  });
});

describe('sizes and progress', () => {
  it('formats sizes in binary units with one decimal', () => {
    expect(formatSize(0, 'en-GB', UNITS)).toBe('0 B');
    expect(formatSize(1023, 'en-GB', UNITS)).toBe('1,023 B');
    expect(formatSize(1536, 'en-GB', UNITS)).toBe('1.5 KB');
    expect(formatSize(6 * 1024 * 1024, 'en-GB', UNITS)).toBe('6 MB');
    expect(formatSize(5 * 1024 ** 4 * 1024, 'en-GB', UNITS)).toBe('5,120 TB');
    expect(formatSize(1536, 'ru-RU', UNITS)).toBe('1,5 KB');
  });

  it('computes whole percentages and rates', () => {
    expect(percentOf(0, 100)).toBe(0);
    expect(percentOf(999, 1000)).toBe(99);
    expect(percentOf(1000, 1000)).toBe(100);
    expect(percentOf(5, 0)).toBe(100);
    expect(transferRate(2_000_000, 1000)).toBe(2_000_000);
    expect(transferRate(100, 0)).toBe(0);
  });
});

describe('display helpers', () => {
  it('shortens long hashes only', () => {
    const sha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    expect(shortHash(sha256)).toBe('e3b0c442…7852b855');
    expect(shortHash('abc')).toBe('abc');
  });

  it('orders custody events oldest first, by id within the same time', () => {
    const sorted = sortEvents([
      event(3, '2026-11-26T05:00:00.000Z'),
      event(2, '2026-11-26T04:00:00.000Z'),
      event(1, '2026-11-26T05:00:00.000Z'),
    ]);
    expect(sorted.map((entry) => entry.id)).toEqual([2, 1, 3]);
  });

  it('names a category in the language asked, else another, else by its code', () => {
    const category = {
      code: 'serious',
      retention_days: 3650,
      names: { ru: 'Тяжкие', en: 'Grave' },
    };
    expect(categoryName(category, 'ru')).toBe('Тяжкие');
    expect(categoryName(category, 'kk')).toBe('Grave');
    expect(categoryName({ code: 'x', retention_days: 1, names: {} }, 'kk')).toBe('x');
  });

  it("finds an item's newest disposal unless the item carries one", () => {
    const list = [
      disposal(1, 5, 'pending', '2026-11-20T00:00:00.000Z'),
      disposal(2, 5, 'approved', '2026-11-25T00:00:00.000Z'),
      disposal(3, 6, 'approved', '2026-11-26T00:00:00.000Z'),
    ];
    expect(disposalFor(item(), list)).toEqual({
      id: 2,
      state: 'approved',
      scheduled_for: '2026-12-03T00:00:00.000Z',
      requested_by: { user_id: 1, username: 'a', display_name: 'A' },
    });
    expect(disposalFor(item({ id: 9 }), list)).toBeNull();
    const own = { id: 4, state: 'pending', scheduled_for: null };
    expect(disposalFor(item({ disposal: own }), list)).toBe(own);
  });

  it('knows that a disposed item has no content', () => {
    expect(hasContent(item())).toBe(true);
    expect(hasContent(item({ state: 'disposal_pending' }))).toBe(true);
    expect(hasContent(item({ state: 'disposed' }))).toBe(false);
  });
});

describe('uploadErrorText', () => {
  it('says plainly that a file is too large or the disk is full', () => {
    expect(uploadErrorText(t, new ApiError(413, { code: 'resource_exhausted', message: '' }))).toBe(
      'The file is larger than the server accepts.',
    );
    expect(
      uploadErrorText(
        t,
        new ApiError(507, { code: 'resource_exhausted', message: 'no space left on device' }),
      ),
    ).toBe(
      'The evidence storage is full. Tell the administrator; nothing was stored. (no space left on device)',
    );
  });

  it('falls back to the general error words', () => {
    expect(
      uploadErrorText(
        t,
        new ApiError(400, { code: 'invalid_argument', message: 'legal_basis: required' }),
      ),
    ).toBe('Check the value entered. (legal_basis: required)');
  });
});
