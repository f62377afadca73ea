import { AccountEventSerde, registryOptions } from '@tally/events';
import { createKafka } from '@tally/kafka';
import { loadProjectorConfig } from '../config.js';
import { rebuild } from '../rebuild.js';
import { openReadModelStore } from '../store/open.js';

/** `pnpm --filter @tally/projector run rebuild`: a fresh model from offset 0, swapped in atomically. */
const config = loadProjectorConfig(process.env);
const store = await openReadModelStore(config);
const serde = await AccountEventSerde.connect({
  ...registryOptions(config),
  topic: config.TALLY_EVENTS_TOPIC,
});
const kafka = createKafka(config, { clientId: `${config.KAFKA_CLIENT_ID}-rebuild` });
const before = await store.activeGeneration();
process.stderr.write(
  `rebuilding ${store.kind} read model from ${config.TALLY_EVENTS_TOPIC} offset 0 (live generation ${before})\n`,
);
try {
  const result = await rebuild({
    kafka,
    topic: config.TALLY_EVENTS_TOPIC,
    serde,
    store,
    groupId: `${config.PROJECTOR_GROUP_ID}.rebuild.${Date.now()}`,
    onProgress: (p) =>
      process.stderr.write(
        `\r${p.applied} events  ${p.eventsPerSecond} events/s  lag ${p.lag}  ETA ${p.etaSeconds ?? '?'} s   `,
      ),
  });
  process.stderr.write(
    `\nswapped: generation ${result.generation} is live (was ${before}); ${result.applied} events in ${result.seconds.toFixed(1)} s\n`,
  );
} catch (error) {
  process.stderr.write(`\n${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await store.close();
}
