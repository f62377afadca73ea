import { describe, expect, it } from 'vitest';
import { compatibilityProblems, formatProblem } from './compatibility.js';
import { loadSchemas, type RecordSchema } from './schemas.js';

const v1 = loadSchemas().find((s) => s.name === 'MoneyDeposited')!.schema;
const withFields = (fields: RecordSchema['fields']): RecordSchema => ({ ...v1, fields });
const check = (candidate: RecordSchema, level = 'FULL_TRANSITIVE') =>
  compatibilityProblems(candidate, [{ version: 1, schema: v1 }], level).map(formatProblem);

describe('compatibility explanations', () => {
  it('accepts an optional field with a default', () => {
    const v2 = withFields([
      ...v1.fields,
      { name: 'reference', type: ['null', 'string'], default: null },
    ]);
    expect(check(v2)).toEqual([]);
  });

  it('explains a type change in both directions', () => {
    const v2 = withFields(
      v1.fields.map((f) => (f.name === 'amount' ? { ...f, type: 'string' } : f)),
    );
    expect(check(v2)).toEqual([
      "BACKWARD (new readers cannot read events written with version 1): field 'amount' changed type from long to string, which Avro cannot promote",
      "FORWARD (readers still on version 1 cannot read events written with the new schema): field 'amount' changed type from string to long, which Avro cannot promote",
    ]);
  });

  it('explains a removed field without default as a FORWARD break', () => {
    const v2 = withFields(v1.fields.filter((f) => f.name !== 'currency'));
    expect(check(v2)).toEqual([
      "FORWARD (readers still on version 1 cannot read events written with the new schema): field 'currency' is in the reader but not in the writer and has no default (add a default, or an alias naming the field it was renamed from)",
    ]);
    expect(check(v2, 'BACKWARD')).toEqual([]);
  });

  it('explains a rename without alias, and accepts it with an alias only backward', () => {
    const renamed = withFields(
      v1.fields.map((f) => (f.name === 'amount' ? { ...f, name: 'amountMinor' } : f)),
    );
    const problems = check(renamed);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain(
      "BACKWARD (new readers cannot read events written with version 1): field 'amountMinor'",
    );
    expect(problems[1]).toContain(
      "FORWARD (readers still on version 1 cannot read events written with the new schema): field 'amount'",
    );

    const aliased = withFields(
      v1.fields.map((f) =>
        f.name === 'amount' ? { ...f, name: 'amountMinor', aliases: ['amount'] } : f,
      ),
    );
    expect(check(aliased, 'BACKWARD')).toEqual([]);
  });

  it('checks every registered version when transitive, only the latest otherwise', () => {
    const v2 = withFields([...v1.fields, { name: 'reference', type: 'string', default: '' }]);
    const v3 = withFields(v1.fields.filter((f) => f.name !== 'amount').concat(v2.fields.slice(-1)));
    const registered = [
      { version: 1, schema: v1 },
      { version: 2, schema: v2 },
    ];
    const transitive = compatibilityProblems(v3, registered, 'FULL_TRANSITIVE');
    expect(new Set(transitive.map((p) => p.againstVersion))).toEqual(new Set([1, 2]));
    const latestOnly = compatibilityProblems(v3, registered, 'FULL');
    expect(new Set(latestOnly.map((p) => p.againstVersion))).toEqual(new Set([2]));
    expect(compatibilityProblems(v3, registered, 'NONE')).toEqual([]);
  });
});
