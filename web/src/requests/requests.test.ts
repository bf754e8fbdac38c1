import { describe, expect, it } from 'vitest';
import {
  continueChain,
  emptyWizard,
  entriesByDay,
  filtersFromSearch,
  filtersToSearch,
  followingTypes,
  identifierIndex,
  identifierRow,
  lifecycleLine,
  listApiPath,
  mayFollow,
  millisOf,
  missingEssentials,
  monthGrid,
  newRequestPath,
  requestToWizard,
  shiftMonth,
  stepErrors,
  stepOfField,
  stepsFor,
  warningText,
  warningsByField,
  wizardBody,
} from './types';
import type { CalendarEntry, LintWarning, ProviderRequest, WizardValues } from './types';

function filled(overrides: Partial<WizardValues> = {}): WizardValues {
  return {
    ...emptyWizard(),
    type: 'preservation',
    caseId: '7',
    provider: 'tiktok',
    entityName: 'TikTok Pte. Ltd.',
    legalBasis: 'ст. 199 УПК РК',
    offenceArticle: 'ч. 2 ст. 190 УК РК',
    rangeFrom: '2026-10-01',
    rangeTo: '2026-10-31',
    categories: ['subscriber'],
    identifiers: [identifierRow('phone', '+77012345678')],
    ...overrides,
  };
}

function warning(field: string, severity: 'error' | 'warning' = 'error'): LintWarning {
  return {
    code: 'x',
    field,
    severity,
    message: { en: 'english', ru: 'русский', kk: 'қазақша' },
    reason: '',
    source: '',
  };
}

describe('chains (MayFollow)', () => {
  it('lets an extension follow a preservation or an extension only', () => {
    expect(mayFollow('preservation', 'preservation_extension')).toBe(true);
    expect(mayFollow('preservation_extension', 'preservation_extension')).toBe(true);
    expect(mayFollow('mla_request', 'preservation_extension')).toBe(false);
  });

  it('lets a production order follow anything but itself', () => {
    expect(mayFollow('mla_request', 'production_order')).toBe(true);
    expect(mayFollow('production_order', 'production_order')).toBe(false);
  });

  it('offers the continuations of a preservation in order', () => {
    expect(followingTypes('preservation')).toEqual([
      'preservation_extension',
      'voluntary_disclosure',
      'emergency_disclosure',
      'production_order',
      'mla_request',
    ]);
    expect(followingTypes('network_24_7')).toEqual([
      'preservation',
      'production_order',
      'mla_request',
    ]);
  });
});

describe('the wizard', () => {
  it('has an emergency step only for emergency disclosures', () => {
    expect(stepsFor('preservation')).not.toContain('emergency');
    expect(stepsFor('emergency_disclosure')).toContain('emergency');
  });

  it('names what each step misses', () => {
    const empty = emptyWizard();
    expect(missingEssentials('start', empty)).toEqual(['type', 'case']);
    expect(missingEssentials('addressee', filled({ provider: '', entityName: '' }))).toEqual([
      'provider',
      'entity',
    ]);
    expect(missingEssentials('addressee', filled({ type: 'mla_request', country: 'x' }))).toEqual([
      'country',
    ]);
    expect(missingEssentials('basis', filled({ legalBasis: ' ', offenceArticle: '' }))).toEqual([
      'legal_basis',
      'offence_article',
    ]);
    expect(
      missingEssentials('basis', filled({ type: 'emergency_disclosure', offenceArticle: '' })),
    ).toEqual([]);
    expect(
      missingEssentials(
        'data',
        filled({ identifiers: [identifierRow('phone', ' ')], rangeTo: '', categories: [] }),
      ),
    ).toEqual(['identifiers', 'range', 'categories']);
    expect(missingEssentials('data', filled())).toEqual([]);
    expect(
      missingEssentials(
        'emergency',
        filled({ type: 'emergency_disclosure', emergencyFields: { criterion: 'угроза жизни' } }),
        ['person_at_risk'],
      ),
    ).toEqual(['emergency_fields']);
  });

  it('needs the request an extension extends', () => {
    expect(missingEssentials('start', filled({ type: 'preservation_extension' }))).toEqual([
      'previous',
    ]);
  });

  it('sends dates as UTC milliseconds of whole days in the user zone', () => {
    const body = wizardBody(filled(), 'Asia/Almaty');
    // Asia/Almaty is UTC+5 since 2024-03-01.
    expect(body.range_from).toBe(Date.parse('2026-09-30T19:00:00.000Z'));
    expect(body.range_to).toBe(Date.parse('2026-10-31T19:00:00.000Z') - 1);
    expect(body.case_id).toBe(7);
    expect(body.identifiers).toEqual([{ kind: 'phone', value: '+77012345678' }]);
  });

  it('leaves out empty texts, keeps emergency facts only for emergencies, upper-cases countries', () => {
    const body = wizardBody(
      filled({
        userCountry: 'de',
        urgency: '  ',
        emergencyFields: { criterion: 'угроза' },
      }),
      'UTC',
    );
    expect(body.user_country).toBe('DE');
    expect(body.urgency).toBeNull();
    expect(body.emergency_fields).toEqual({});
    const emergency = wizardBody(
      filled({ type: 'emergency_disclosure', emergencyFields: { criterion: ' угроза ', x: '' } }),
      'UTC',
    );
    expect(emergency.emergency_fields).toEqual({ criterion: 'угроза' });
  });

  it('addresses a State, not an entity, for MLA', () => {
    const body = wizardBody(filled({ type: 'mla_request', country: 'us' }), 'UTC');
    expect(body.country).toBe('US');
    expect(body.entity_name).toBeNull();
    expect(body.provider).toBeNull();
  });

  it('reads a saved request back, and continues its chain', () => {
    const saved = {
      id: 12,
      type: 'preservation',
      case_id: 7,
      previous_id: null,
      provider: 'x',
      entity_name: 'X Corp.',
      user_country: 'KZ',
      language: 'en',
      range_from: Date.parse('2026-09-30T19:00:00.000Z'),
      range_to: Date.parse('2026-10-31T18:59:59.999Z'),
      categories: ['subscriber'],
      identifiers: [{ kind: 'user_id', value: '123' }],
      emergency_fields: {},
      notes: 'внутреннее',
    } as unknown as ProviderRequest;
    const values = requestToWizard(saved, 'Asia/Almaty');
    expect(values.rangeFrom).toBe('2026-10-01');
    expect(values.rangeTo).toBe('2026-10-31');
    const next = continueChain(saved, 'preservation_extension', 'Asia/Almaty');
    expect(next.previousId).toBe('12');
    expect(next.type).toBe('preservation_extension');
    expect(next.entityName).toBe('X Corp.');
    expect(next.notes).toBe('');
  });
});

describe("the linter's messages", () => {
  it('are placed at the step of the field they name', () => {
    expect(stepOfField('identifiers[2]')).toBe('data');
    expect(stepOfField('emergency_fields.person_at_risk')).toBe('emergency');
    expect(stepOfField('entity_name')).toBe('addressee');
    expect(stepOfField('language')).toBe('review');
    expect(stepOfField('something_else')).toBe('review');
    expect(identifierIndex('identifiers[2].value')).toBe(2);
    expect(identifierIndex('range_from')).toBeNull();
  });

  it('block a step with their errors only', () => {
    const warnings = [warning('identifiers[0]'), warning('range_to', 'warning'), warning('')];
    expect(stepErrors(warnings, 'data')).toHaveLength(1);
    expect(stepErrors(warnings, 'review')).toHaveLength(0);
    expect(warningsByField(warnings).get('identifiers[0]')).toHaveLength(1);
  });

  it('speak the user language, English when it is missing', () => {
    expect(warningText(warning('x'), 'kk')).toBe('қазақша');
    expect(warningText({ ...warning('x'), message: { en: 'only english' } }, 'ru')).toBe(
      'only english',
    );
  });
});

describe('lifecycle, tracker and calendar', () => {
  it('draws the lifecycle with the end the request reached', () => {
    const line = lifecycleLine('refused');
    expect(line.map((step) => step.step)).toEqual([
      'draft',
      'legal_review',
      'approved',
      'sent',
      'acknowledged',
      'preserved',
      'refused',
      'closed',
    ]);
    expect(line.find((step) => step.status === 'current')?.step).toBe('refused');
    expect(lifecycleLine('sent').filter((step) => step.status === 'done')).toHaveLength(3);
  });

  it('keeps the filters in the URL', () => {
    const filters = filtersFromSearch('?state=sent&provider=tiktok&awaiting=1&case_id=4');
    expect(filters).toMatchObject({ state: 'sent', provider: 'tiktok', awaiting: true });
    expect(filtersFromSearch(filtersToSearch(filters))).toEqual(filters);
    expect(listApiPath(filters)).toBe(
      '/api/v1/requests?state=sent&provider=tiktok&case_id=4&awaiting_approval=1',
    );
    expect(filtersFromSearch('?state=nonsense&month=2026-13').state).toBe('');
    expect(newRequestPath({ caseId: 4, previousId: 9, type: 'mla_request' })).toBe(
      '/requests/new?case_id=4&previous_id=9&type=mla_request',
    );
  });

  it('lays a month out in whole weeks from Monday', () => {
    const grid = monthGrid('2026-02');
    expect(grid.weeks[0]?.[0]).toBe('2026-01-26');
    expect(grid.weeks.every((week) => week.length === 7)).toBe(true);
    expect(grid.weeks.flat()).toContain('2026-02-28');
    expect(grid.afterLast).toBe('2026-03-01');
    expect(shiftMonth('2026-01', -1)).toBe('2025-12');
    expect(shiftMonth('2026-12', 1)).toBe('2027-01');
  });

  it('puts a deadline on the user day, near midnight too', () => {
    const entry = {
      request_id: 1,
      deadline: {
        due: Date.parse('2026-12-01T20:30:00Z'),
        user_local: null,
        provider_local: null,
      },
    } as unknown as CalendarEntry;
    // 01:30 the next day in Almaty (UTC+5).
    expect([...entriesByDay([entry], 'Asia/Almaty').keys()]).toEqual(['2026-12-02']);
    expect([...entriesByDay([entry], 'UTC').keys()]).toEqual(['2026-12-01']);
    expect(millisOf('2026-12-01T20:30:00Z')).toBe(Date.parse('2026-12-01T20:30:00Z'));
    expect(millisOf(null)).toBeNull();
  });
});
