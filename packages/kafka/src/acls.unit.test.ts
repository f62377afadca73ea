import { describe, expect, it } from 'vitest';
import { aclEntries } from './acls.js';

// kafkajs' numeric codes, decoded so the expectations read as the broker's ACLs do.
const OPERATIONS: Record<number, string> = {
  3: 'READ',
  4: 'WRITE',
  5: 'CREATE',
  8: 'DESCRIBE',
  10: 'DESCRIBE_CONFIGS',
};
const RESOURCES: Record<number, string> = { 2: 'topic', 3: 'group', 5: 'transactional-id' };
const PATTERNS: Record<number, string> = { 3: 'literal', 4: 'prefixed' };

/** An entry as `<operation> <resource>:<pattern>:<name>`. */
const describeEntry = (e: ReturnType<typeof aclEntries>[number]) =>
  `${OPERATIONS[e.operation]} ${RESOURCES[e.resourceType]}:${PATTERNS[e.resourcePatternType]}:${e.resourceName}`;

describe('aclEntries', () => {
  it('allows a reader its topics and its groups, nothing else', () => {
    const entries = aclEntries({
      user: 'projector',
      reads: ['events'],
      groupPrefix: 'tally-projector',
    });
    expect(new Set(entries.map((entry) => entry.principal))).toEqual(new Set(['User:projector']));
    expect(new Set(entries.map((entry) => entry.permissionType))).toEqual(new Set([3]));
    expect(entries.map(describeEntry)).toEqual([
      'READ topic:literal:events',
      'READ group:prefixed:tally-projector',
    ]);
  });

  it('gives a writer write, create and its transactional ids', () => {
    const entries = aclEntries({
      user: 'intake',
      writes: ['events'],
      creates: ['events'],
      transactionalIdPrefix: 'tally-intake',
    });
    expect(entries.map(describeEntry)).toEqual([
      'WRITE topic:literal:events',
      'CREATE topic:literal:events',
      'DESCRIBE_CONFIGS topic:literal:events',
      'WRITE transactional-id:prefixed:tally-intake',
      'DESCRIBE transactional-id:prefixed:tally-intake',
    ]);
  });
});
