import kafkajs, { type AclEntry } from 'kafkajs';
import { kafkajsAdminOf } from './client.js';
import type { KafkaAdmin } from './types.js';

// CommonJS exports that Node's ESM loader does not detect by name.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;
type AclOperationTypes = kafkajs.AclOperationTypes;
type AclResourceTypes = kafkajs.AclResourceTypes;
type ResourcePatternTypes = kafkajs.ResourcePatternTypes;

/** What one principal may do; everything else is refused by a broker that denies by default. */
export interface Grant {
  /** The SASL user name (the principal is User:<name>). */
  readonly user: string;
  /** Topics it consumes (READ, which implies DESCRIBE). */
  readonly reads?: readonly string[];
  /** Topics it produces to (WRITE; on Kafka 3+ this also allows idempotent producing). */
  readonly writes?: readonly string[];
  /** Topics it creates at start and checks against their spec (CREATE, DESCRIBE_CONFIGS). */
  readonly creates?: readonly string[];
  /** Consumer groups whose names start with this (READ: join, commit, fetch offsets). */
  readonly groupPrefix?: string;
  /** Transactional ids that start with this (WRITE, DESCRIBE). */
  readonly transactionalIdPrefix?: string;
}

function allow(
  user: string,
  resourceType: AclResourceTypes,
  resourceName: string,
  resourcePatternType: ResourcePatternTypes,
  operation: AclOperationTypes,
): AclEntry {
  return {
    principal: `User:${user}`,
    host: '*',
    resourceType,
    resourceName,
    resourcePatternType,
    operation,
    permissionType: AclPermissionTypes.ALLOW,
  };
}

/** The ALLOW entries of a grant, nothing more. */
export function aclEntries(grant: Grant): AclEntry[] {
  const { user } = grant;
  const { TOPIC, GROUP, TRANSACTIONAL_ID } = AclResourceTypes;
  const { LITERAL, PREFIXED } = ResourcePatternTypes;
  const ops = AclOperationTypes;
  const onTopics = (topics: readonly string[] | undefined, operations: AclOperationTypes[]) =>
    (topics ?? []).flatMap((topic) =>
      operations.map((operation) => allow(user, TOPIC, topic, LITERAL, operation)),
    );
  return [
    ...onTopics(grant.reads, [ops.READ]),
    ...onTopics(grant.writes, [ops.WRITE]),
    ...onTopics(grant.creates, [ops.CREATE, ops.DESCRIBE_CONFIGS]),
    ...(grant.groupPrefix === undefined
      ? []
      : [allow(user, GROUP, grant.groupPrefix, PREFIXED, ops.READ)]),
    ...(grant.transactionalIdPrefix === undefined
      ? []
      : [ops.WRITE, ops.DESCRIBE].map((operation) =>
          allow(user, TRANSACTIONAL_ID, grant.transactionalIdPrefix ?? '', PREFIXED, operation),
        )),
  ];
}

/** Creates the ACLs of every grant (creating an existing ACL again changes nothing). */
export async function applyGrants(admin: KafkaAdmin, grants: readonly Grant[]): Promise<void> {
  await kafkajsAdminOf(admin).createAcls({ acl: grants.flatMap(aclEntries) });
}
