import { kafkajsOf } from '../client.js';
import type { KafkaClient } from '../types.js';

/**
 * The baseline of the replay benchmarks: a bare kafkajs consumer that reads `count` records of the
 * topic from the beginning with the same fetch sizes as the read models, and does nothing with
 * them. Resolves with records per second.
 */
export async function rawReadRate(
  kafka: KafkaClient,
  topic: string,
  count: number,
  onProgress?: (read: number) => void,
): Promise<number> {
  const consumer = kafkajsOf(kafka).consumer({
    groupId: `bench-raw-${Date.now()}`,
    maxBytesPerPartition: 8 << 20,
    maxBytes: 64 << 20,
    maxWaitTimeInMs: 200,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let read = 0;
  // From the first fetch request, not the first batch: a small topic comes in one fetch.
  let started = 0;
  consumer.on(consumer.events.FETCH_START, () => {
    if (started === 0) started = Date.now();
  });
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 6,
      eachBatch: async ({ batch }) => {
        read += batch.messages.length;
        if (read >= count) resolve();
      },
    });
  });
  const progress = setInterval(() => onProgress?.(read), 1000);
  await done;
  const rate = count / ((Date.now() - started) / 1000);
  clearInterval(progress);
  await consumer.disconnect();
  return rate;
}
