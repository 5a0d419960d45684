import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BackendError } from './backend-error';
import {
  MAX_OPERATION_ITEMS,
  decodeParseFields,
  decodeParseOperation,
  encodeParseOperation,
  isFieldOperation,
} from './parse-operation-codec';

const pointerArb = (className: string) =>
  fc.record({
    __type: fc.constant('Pointer'),
    className: fc.constant(className),
    objectId: fc.stringMatching(/^[A-Za-z0-9]{10}$/),
  });
const scalarArb = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));

const operationArb = fc.oneof(
  fc.record({ __op: fc.constant('Increment'), amount: fc.integer() }),
  fc.record({ __op: fc.constantFrom('Add', 'AddUnique', 'Remove'), objects: fc.array(scalarArb) }),
  fc.record({
    __op: fc.constantFrom('AddRelation', 'RemoveRelation'),
    objects: fc.array(pointerArb('Tag'), { maxLength: 4 }),
  }),
  fc.constant({ __op: 'Delete' }),
);

function errorOf(fn: () => unknown): BackendError {
  try {
    fn();
  } catch (error) {
    if (BackendError.is(error)) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('Parse operation codec', () => {
  it('round-trips every valid operation', () => {
    fc.assert(
      fc.property(operationArb, (op) => {
        expect(encodeParseOperation(decodeParseOperation(op, 'body.f'))).toEqual(op);
      }),
      { numRuns: 1000 },
    );
  });

  it('decodes dates inside Add objects', () => {
    const op = decodeParseOperation({
      __op: 'Add',
      objects: [{ __type: 'Date', iso: '2026-01-01T00:00:00.000Z' }],
    });
    expect(op.__op === 'Add' && op.objects[0]).toBeInstanceOf(Date);
  });

  it('recognises operations by their __op key', () => {
    expect(isFieldOperation({ __op: 'Delete' })).toBe(true);
    expect(isFieldOperation({ op: 'Delete' })).toBe(false);
    expect(isFieldOperation(null)).toBe(false);
    expect(isFieldOperation([{ __op: 'Delete' }])).toBe(false);
  });

  it('rejects malformed operations with the path and what was expected', () => {
    const amount = errorOf(() =>
      decodeParseOperation({ __op: 'Increment', amount: 'x' }, 'body.views'),
    );
    expect(amount.code).toBe('TYPE_MISMATCH');
    expect(amount.message).toBe('body.views.amount: expected a finite number, got "x"');

    const unknown = errorOf(() => decodeParseOperation({ __op: 'Multiply', by: 2 }, 'body.n'));
    expect(unknown.code).toBe('INVALID_VALUE');
    expect(unknown.details?.path).toBe('body.n.__op');
    expect(unknown.message).toContain('expected one of Increment, Add');

    expect(errorOf(() => decodeParseOperation({ __op: 'Add', objects: 'x' })).message).toContain(
      'value.objects: expected an array',
    );
    expect(errorOf(() => decodeParseOperation({ __op: 'Delete', amount: 1 })).details?.path).toBe(
      'value.amount',
    );
    expect(
      errorOf(() =>
        decodeParseOperation({ __op: 'AddRelation', objects: [{ __type: 'Date', iso: 'x' }] }),
      ).code,
    ).toBe('INVALID_POINTER');
    const mixed = errorOf(() =>
      decodeParseOperation({
        __op: 'AddRelation',
        objects: [
          { __type: 'Pointer', className: 'A', objectId: '1' },
          { __type: 'Pointer', className: 'B', objectId: '2' },
        ],
      }),
    );
    expect(mixed.message).toContain('all related objects must be of one class, got A and B');
    expect(errorOf(() => decodeParseOperation('Delete')).code).toBe('INVALID_VALUE');
  });

  it(`refuses more than ${MAX_OPERATION_ITEMS} items in one operation`, () => {
    const error = errorOf(() =>
      decodeParseOperation({ __op: 'Add', objects: new Array(MAX_OPERATION_ITEMS + 1).fill(1) }),
    );
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('decodeParseFields', () => {
  it('decodes values and operations of a create/update body', () => {
    const fields = decodeParseFields({
      title: 'x',
      due: { __type: 'Date', iso: '2026-01-01T00:00:00.000Z' },
      views: { __op: 'Increment', amount: 2 },
      skipped: undefined,
      ACL: { '*': { read: true } },
      objectId: 'abc',
    });
    expect(fields.title).toBe('x');
    expect(fields.due).toBeInstanceOf(Date);
    expect(fields.views).toEqual({ __op: 'Increment', amount: 2 });
    expect('skipped' in fields).toBe(false);
    expect(fields.ACL).toEqual({ '*': { read: true } });
    expect(fields.objectId).toBe('abc');
  });

  it('rejects bodies that are not objects and invalid or reserved field names', () => {
    expect(errorOf(() => decodeParseFields([1, 2])).code).toBe('INVALID_JSON');
    expect(errorOf(() => decodeParseFields('x')).code).toBe('INVALID_JSON');
    const bad = errorOf(() => decodeParseFields({ 'bad name': 1 }, 'body'));
    expect(bad.code).toBe('INVALID_FIELD_NAME');
    expect(bad.details?.path).toBe('body.bad name');
    expect(errorOf(() => decodeParseFields(JSON.parse('{"__proto__":{"x":1}}'))).code).toBe(
      'INVALID_FIELD_NAME',
    );
    expect(errorOf(() => decodeParseFields({ constructor: 1 })).code).toBe('INVALID_FIELD_NAME');
  });
});
