import { AccountEventSerde } from '@tally/events';
import type { KafkaClient } from '@tally/kafka';
import { registryUrl } from '@tally/testing';
import { balancesReadModel } from '../src/read-model.js';
import type { ReadModelStore } from '../src/store/types.js';

/** One in-process projector replay of a preloaded topic (shared with `bench:audit`, its baseline). */
export interface ProjectorReplay {
  readonly kafka: KafkaClient;
  readonly topic: string;
  /** Records on the topic: the replay ends when this many are applied. */
  readonly events: number;
  readonly name: string;
  readonly store: ReadModelStore;
  readonly log: (line: string) => void;
}

/** The projector's replay rate in events/s, query index build included; logs its CPU per event. */
export async function projectorRate({
  kafka,
  topic,
  events,
  name,
  store,
  log,
}: ProjectorReplay): Promise<number> {
  const serde = await AccountEventSerde.connect({ registryUrl, topic });
  let applied = 0;
  let started = 0;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const projector = balancesReadModel({
    kafka,
    topic,
    serde,
    store,
    groupId: `bench-${name}-${Date.now()}`,
    pollMs: 60_000,
    onEvent: (e) => {
      if (e.type !== 'applied') return;
      if (started === 0) started = Date.now() - e.ms;
      applied += e.applied;
      if (applied >= events) resolveDone();
    },
  });
  const progress = setInterval(() => {
    const secs = (Date.now() - started) / 1000;
    const rate = started ? applied / secs : 0;
    log(
      `\r${name}: ${applied}/${events}  ${Math.round(rate)} events/s  lag ${events - applied}  ETA ${rate ? Math.ceil((events - applied) / rate) : '?'} s   `,
    );
  }, 1000);
  const cpu = process.cpuUsage();
  await projector.start();
  await done;
  // Counted in the replay: the query index a new generation builds once caught up (ADR 0015).
  await store.buildQueryIndexes();
  const rate = events / ((Date.now() - started) / 1000);
  const used = process.cpuUsage(cpu);
  clearInterval(progress);
  await projector.stop();
  // CPU time of this process per event: less sensitive than the rate to other load on the machine.
  const us = (used.user + used.system) / events;
  log(
    `\rprojector into ${name}: ${Math.round(rate)} events/s, ${us.toFixed(1)} µs CPU/event (this process)          \n`,
  );
  return rate;
}
