import { describe, expect, it } from 'vitest';
import {
  changedFields,
  checkMandateForm,
  checkScopeRow,
  emptyMandateForm,
  locateField,
  mandateFiltersFromSearch,
  mandateFiltersToSearch,
  mandateToForm,
  nextApprover,
  requestPdfPath,
  scopeEntryOf,
} from './types';
import type { Mandate, MandateFormValues, ScopeRow } from './types';

const ZONE = 'Asia/Almaty';
const NO_CASES = new Map<string, number>();

function row(change: Partial<ScopeRow> = {}): ScopeRow {
  return { key: 1, kind: 'domain', platform: '', value: 'example.kz', ...change };
}

function complete(change: Partial<MandateFormValues> = {}): MandateFormValues {
  return {
    ...emptyMandateForm(),
    purpose: ' Мониторинг канала ',
    predicate: 'ст. 211 УК РК',
    level: 'covert',
    mechanism: 'automated',
    scope: [row(), row({ key: 2, kind: 'account', platform: 'telegram', value: '@1234567' })],
    startsLocal: '2026-11-27T10:00',
    endsLocal: '2026-12-27T10:00',
    storageDays: '90',
    justification: 'Иные меры недостаточны',
    ...change,
  };
}

function mandate(change: Partial<Mandate> = {}): Mandate {
  return {
    id: 7,
    agency_id: 2,
    version: 1,
    purpose: 'p',
    case_id: null,
    case_number: null,
    predicate: '',
    level: 'covert',
    mechanism: 'manual',
    scope: [],
    starts_at: null,
    ends_at: null,
    storage_days: null,
    justification: '',
    requester: { user_id: 3, username: 'aliya', display_name: 'Әлия' },
    state: 'pending',
    approved_by: null,
    approved_at: null,
    head_approved_by: null,
    head_approved_at: null,
    needs_head_approval: true,
    rejection_reason: '',
    revocation_reason: '',
    created_at: '2026-11-27T04:00:00Z',
    updated_at: '2026-11-27T04:00:00Z',
    ...change,
  };
}

describe('scope entries', () => {
  it.each([
    [row({ value: 'example.kz' }), {}],
    [row({ value: 'пример.қаз' }), {}],
    [row({ value: 'https://example.kz' }), { value: 'mandates.scope.error_domain_plain' }],
    [row({ value: 'example.kz/path' }), { value: 'mandates.scope.error_domain_plain' }],
    [row({ value: 'localhost' }), { value: 'mandates.scope.error_domain' }],
    [row({ value: '' }), { value: 'mandates.scope.error_value' }],
    [row({ kind: 'account', value: '123' }), { platform: 'mandates.scope.error_platform' }],
    [
      row({ kind: 'account', platform: 'vk', value: 'id 1' }),
      { value: 'mandates.scope.error_account' },
    ],
    [row({ kind: 'url_prefix', value: 'vk.com/club1' }), { value: 'mandates.scope.error_url' }],
    [row({ kind: 'url_prefix', value: 'https://vk.com/club1' }), {}],
    [
      row({ kind: 'platform', platform: '', value: '' }),
      { platform: 'mandates.scope.error_platform' },
    ],
    [row({ kind: 'platform', platform: 'rss', value: '' }), {}],
  ])('%o gives %o', (entry, problem) => {
    expect(checkScopeRow(entry)).toEqual(problem);
  });

  it('sends entries as the API takes them', () => {
    expect(scopeEntryOf(row({ value: ' Example.KZ. ' }))).toEqual({
      kind: 'domain',
      value: 'example.kz',
    });
    expect(scopeEntryOf(row({ kind: 'account', platform: 'Telegram', value: '@chan' }))).toEqual({
      kind: 'account',
      platform: 'telegram',
      value: 'chan',
    });
    expect(scopeEntryOf(row({ kind: 'platform', platform: 'rss', value: 'x' }))).toEqual({
      kind: 'platform',
      platform: 'rss',
      value: 'rss',
    });
  });
});

describe('the request form', () => {
  it('lists every missing essential and blocks a submission', () => {
    const check = checkMandateForm(emptyMandateForm(), 'submit', ZONE, NO_CASES);
    expect(check.missing).toEqual([
      'purpose',
      'basis',
      'level',
      'mechanism',
      'scope',
      'window',
      'storage',
      'justification',
    ]);
    expect(check.body).toBeNull();
    expect(Object.keys(check.fields).sort()).toEqual(
      [
        'purpose',
        'predicate',
        'level',
        'mechanism',
        'scope',
        'starts_at',
        'ends_at',
        'storage_days',
        'justification',
      ].sort(),
    );
  });

  it('saves a draft without a basis, scope or justification', () => {
    const check = checkMandateForm(
      complete({ predicate: '', scope: [], justification: '' }),
      'draft',
      ZONE,
      NO_CASES,
    );
    expect(check.fields).toEqual({});
    expect(check.missing).toEqual(['basis', 'scope', 'justification']);
    expect(check.body?.scope).toEqual([]);
    expect(check.body?.predicate).toBeUndefined();
  });

  it('wants what the server keeps a draft with', () => {
    const check = checkMandateForm(
      { ...emptyMandateForm(), purpose: 'x' },
      'draft',
      ZONE,
      NO_CASES,
    );
    expect(Object.keys(check.fields).sort()).toEqual(
      ['ends_at', 'level', 'mechanism', 'starts_at', 'storage_days'].sort(),
    );
    expect(check.body).toBeNull();
  });

  it('refuses a draft with a badly typed value', () => {
    const check = checkMandateForm(complete({ storageDays: 'ten' }), 'draft', ZONE, NO_CASES);
    expect(check.fields.storage_days).toBe('mandates.form.error_storage');
    expect(check.body).toBeNull();
  });

  it('builds the body of a complete request, the window in UTC', () => {
    const check = checkMandateForm(complete(), 'submit', ZONE, NO_CASES);
    expect(check.missing).toEqual([]);
    expect(check.body).toEqual({
      purpose: 'Мониторинг канала',
      predicate: 'ст. 211 УК РК',
      level: 'covert',
      mechanism: 'automated',
      scope: [
        { kind: 'domain', value: 'example.kz' },
        { kind: 'account', platform: 'telegram', value: '1234567' },
      ],
      starts_at: '2026-11-27T05:00:00.000Z',
      ends_at: '2026-12-27T05:00:00.000Z',
      storage_days: 90,
      justification: 'Иные меры недостаточны',
    });
  });

  it('sends the case id with the type the server gave it', () => {
    const check = checkMandateForm(
      complete({ caseId: '12', predicate: '' }),
      'submit',
      ZONE,
      new Map([['12', 12]]),
    );
    expect(check.body?.case_id).toBe(12);
    expect(check.body?.predicate).toBeUndefined();
  });

  it('wants the end after the start', () => {
    const check = checkMandateForm(
      complete({ endsLocal: '2026-11-27T09:00' }),
      'submit',
      ZONE,
      NO_CASES,
    );
    expect(check.fields.ends_at).toBe('mandates.form.error_window_order');
    expect(check.missing).toEqual(['window']);
  });

  it('counts a wrong scope row as a missing scope', () => {
    const check = checkMandateForm(
      complete({ scope: [row({ value: 'not a domain' })] }),
      'submit',
      ZONE,
      NO_CASES,
    );
    expect(check.missing).toEqual(['scope']);
    expect(check.rows.get(1)).toEqual({ value: 'mandates.scope.error_domain' });
  });

  it('reads a mandate back into the form in the user zone', () => {
    const values = mandateToForm(
      mandate({
        case_id: 12,
        level: 'discreet',
        scope: [{ kind: 'platform', platform: 'rss', value: 'rss' }],
        starts_at: '2026-11-27T05:00:00Z',
        storage_days: 30,
      }),
      ZONE,
    );
    expect(values.caseId).toBe('12');
    expect(values.level).toBe('discreet');
    expect(values.startsLocal).toBe('2026-11-27T10:00');
    expect(values.endsLocal).toBe('');
    expect(values.storageDays).toBe('30');
    expect(values.scope).toEqual([{ key: 1, kind: 'platform', platform: 'rss', value: '' }]);
  });
});

describe('server errors', () => {
  it('finds the field or the scope row an error names', () => {
    expect(locateField('purpose')).toEqual({ kind: 'field', field: 'purpose' });
    expect(locateField('scope[1].value')).toEqual({ kind: 'row', index: 1, part: 'value' });
    expect(locateField('scope.0.platform')).toEqual({ kind: 'row', index: 0, part: 'platform' });
    expect(locateField('scope[2]')).toEqual({ kind: 'row', index: 2, part: 'value' });
    expect(locateField('reason')).toBeNull();
    expect(locateField(undefined)).toBeNull();
  });
});

describe('approvals and versions', () => {
  it('says who approves next', () => {
    expect(nextApprover(mandate())).toBe('supervisor');
    const person = { user_id: 4, username: 'serik', display_name: 'Серік' };
    expect(nextApprover(mandate({ approved_by: person }))).toBe('head');
    expect(
      nextApprover(
        mandate({ approved_by: person, head_approved_by: person, needs_head_approval: false }),
      ),
    ).toBeNull();
    expect(
      nextApprover(mandate({ level: 'discreet', needs_head_approval: false, approved_by: person })),
    ).toBeNull();
    expect(nextApprover(mandate({ state: 'approved' }))).toBeNull();
  });

  it('names the fields that changed between versions', () => {
    const first = mandate({ state: 'draft' });
    expect(changedFields(null, first)).toEqual([]);
    expect(changedFields(first, mandate({ state: 'pending' }))).toEqual(['state']);
    expect(
      changedFields(first, mandate({ state: 'draft', scope: [{ kind: 'domain', value: 'a.kz' }] })),
    ).toEqual(['scope']);
  });
});

describe('paths and filters', () => {
  it('keeps the list filters in the URL', () => {
    expect(mandateFiltersFromSearch('?state=pending')).toEqual({
      state: 'pending',
      awaiting: false,
    });
    expect(mandateFiltersFromSearch('?state=nonsense&awaiting=me')).toEqual({
      state: '',
      awaiting: true,
    });
    expect(mandateFiltersToSearch({ state: '', awaiting: true })).toBe('?awaiting=me');
    expect(mandateFiltersToSearch({ state: '', awaiting: false })).toBe('');
  });

  it('links the written request in a language', () => {
    expect(requestPdfPath(7, 'kk')).toBe('/api/v1/mandates/7/request.pdf?lang=kk');
  });
});
