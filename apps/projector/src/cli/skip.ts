import { parseArgs } from 'node:util';
import { loadProjectorConfig } from '../config.js';
import { openReadModelStore } from '../store/open.js';

/**
 * Operator action: record that the projector passes over ONE record it halted on.
 *   pnpm --filter @tally/projector skip --partition 3 --offset 1234 --reason "..." --operator alice
 * The running projector resumes the partition within a second; every rebuild honours the skip.
 */
const { values } = parseArgs({
  options: {
    partition: { type: 'string' },
    offset: { type: 'string' },
    reason: { type: 'string' },
    operator: { type: 'string' },
  },
});
const problems = (['partition', 'offset', 'reason', 'operator'] as const).filter((k) => !values[k]);
if (
  problems.length > 0 ||
  !/^\d+$/.test(values.partition ?? '') ||
  !/^\d+$/.test(values.offset ?? '')
) {
  process.stderr.write(
    'usage: skip --partition <n> --offset <n> --reason <text> --operator <who>\n' +
      (problems.length
        ? `missing: ${problems.join(', ')}\n`
        : 'partition and offset are integers\n'),
  );
  process.exit(2);
}
const config = loadProjectorConfig(process.env);
const store = await openReadModelStore(config);
await store.recordSkip({
  topic: config.TALLY_EVENTS_TOPIC,
  partition: Number(values.partition),
  offset: String(values.offset),
  reason: String(values.reason),
  operator: String(values.operator),
});
process.stderr.write(
  `recorded: ${config.TALLY_EVENTS_TOPIC} partition ${values.partition} offset ${values.offset} will be skipped\n`,
);
await store.close();
