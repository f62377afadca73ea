import { describe, expect, it } from 'vitest';
import { loadAuditConfig } from './config.js';
import { auditKafkaGrant } from './kafka-grant.js';
import { witnessGroupPrefix } from './witness.js';

describe('the witness check’s consumer groups', () => {
  it.each([undefined, 'tally-audit-eu', 'bank2.audit'])(
    'lie inside the groups the audit principal may use (AUDIT_GROUP_ID=%s)',
    (groupId) => {
      const config = loadAuditConfig(groupId === undefined ? {} : { AUDIT_GROUP_ID: groupId });
      const prefix = witnessGroupPrefix(config.AUDIT_GROUP_ID);
      const granted = auditKafkaGrant(config, 'audit').groupPrefix ?? '';
      expect(granted).toBe(config.AUDIT_GROUP_ID);
      expect(prefix.startsWith(granted)).toBe(true);
      // Never the ingest groups themselves (`<group>`, `<group>-outcomes`).
      expect(prefix).not.toBe(config.AUDIT_GROUP_ID);
      expect(prefix).not.toBe(`${config.AUDIT_GROUP_ID}-outcomes`);
    },
  );

  it('follows AUDIT_GROUP_ID instead of a fixed name', () => {
    expect(witnessGroupPrefix('bank2.audit')).toBe('bank2.audit-witness');
    expect(witnessGroupPrefix('tally-audit')).toBe('tally-audit-witness');
  });
});
