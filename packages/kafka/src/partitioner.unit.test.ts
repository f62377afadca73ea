import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { partitionFor } from './client.js';

// Murmur2 hashes of keys as Apache Kafka's Java client computes them (its own Utils test vectors).
// The Java client's partition is toPositive(hash) % partitions.
const javaHashes: [string, number][] = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

describe('the producers’ partitioner', () => {
  it.each([6, 100])('puts each key where the Java client does, with %i partitions', (count) => {
    const partition = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: count }, (_, id) => ({
      partitionId: id,
      leader: 1,
      partitionErrorCode: 0,
      replicas: [1],
      isr: [1],
    }));
    for (const [key, hash] of javaHashes) {
      const chosen = partition({ topic: 't', partitionMetadata, message: { key, value: null } });
      expect(chosen, key).toBe((hash & 0x7fffffff) % count);
    }
  });

  it.each([6, 100])('partitionFor names the same partition, with %i partitions', (count) => {
    for (const [key, hash] of javaHashes) {
      expect(partitionFor(key, count), key).toBe((hash & 0x7fffffff) % count);
    }
  });
});
