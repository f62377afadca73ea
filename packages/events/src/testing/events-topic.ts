import { registryUrl } from '@tally/testing';
import { RegistryClient } from '../registry-client.js';
import { loadSchemas } from '../schemas.js';
import { AccountEventSerde } from '../serde.js';
import { accountEventsTopicSpec } from '../topics.js';
import { registerSchemas } from '../workflow.js';
import type { AccountEvent } from '@tally/ledger';
import type { KafkaAdmin, KafkaClient, KafkaProducer } from '@tally/kafka';
import { testTopic } from '@tally/kafka/testing';

export interface TestEventsTopic {
  readonly topic: string;
  readonly admin: KafkaAdmin;
  readonly serde: AccountEventSerde;
  readonly producer: KafkaProducer;
  /** Sends events keyed by accountId (or all to one partition), in chunks of `chunk`. */
  send(
    events: readonly AccountEvent[],
    options?: { partition?: number; chunk?: number },
  ): Promise<void>;
}

/**
 * An account-events topic of the test's own, with the schemas registered, a serde, a connected
 * admin and an idempotent producer. The caller disconnects admin and producer.
 */
export async function testEventsTopic(
  kafka: KafkaClient,
  prefix: string,
  partitions: number,
): Promise<TestEventsTopic> {
  const { configs } = accountEventsTopicSpec({ partitions, replicationFactor: 1 });
  const { topic, admin, producer } = await testTopic(kafka, prefix, partitions, configs);
  await registerSchemas(new RegistryClient(registryUrl), topic, loadSchemas());
  const serde = await AccountEventSerde.connect({ registryUrl, topic });
  return {
    topic,
    admin,
    serde,
    producer,
    async send(events, { partition, chunk = 5_000 } = {}) {
      for (let i = 0; i < events.length; i += chunk) {
        await producer.send({
          topic,
          messages: events.slice(i, i + chunk).map((e) => ({
            key: e.accountId,
            value: serde.encode(e),
            ...(partition === undefined ? {} : { partition }),
          })),
        });
      }
    },
  };
}
