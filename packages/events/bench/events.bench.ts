// pnpm bench:events — encode/decode throughput of the Avro serde against JSON.stringify/parse of the
// same events, in the same run, and the bytes per event of each. Needs the registry (schema ids).
import { randomUUID } from 'node:crypto';
import type { AccountEvent } from '@tally/ledger';
import { AccountEventSerde, loadSchemas, RegistryClient, registerSchemas } from '../src/index.js';
import { registryUrl } from '@tally/testing';

const count = Number(process.env['BENCH_EVENTS'] ?? 200_000);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 5);
const topic = 'bench.account-events.v1';

function sampleEvents(n: number): AccountEvent[] {
  const events: AccountEvent[] = [];
  for (let i = 0; i < n; i++) {
    const accountId = randomUUID();
    const envelope = {
      eventId: randomUUID(),
      accountId,
      version: 1 + (i % 50),
      occurredAt: Date.now() - i,
      commandId: randomUUID(),
      correlationId: randomUUID(),
      actor: 'bench-user',
    };
    const amount = 1 + ((i * 7919) % 1_000_000);
    switch (i % 10) {
      case 0:
        events.push({
          type: 'AccountOpened',
          ...envelope,
          owner: 'Ada Lovelace',
          currency: 'EUR',
          overdraftLimit: 0,
        });
        break;
      case 9:
        events.push({ type: 'AccountClosed', ...envelope });
        break;
      default:
        events.push({
          type: i % 2 ? 'MoneyDeposited' : 'MoneyWithdrawn',
          ...envelope,
          amount,
          currency: 'EUR',
        });
    }
  }
  return events;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function measure(name: string, run: () => unknown): Promise<number> {
  const rates: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const start = process.hrtime.bigint();
    await run();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    rates.push(count / seconds);
    process.stderr.write(
      `\r  ${name}: round ${round}/${rounds} ${Math.round(count / seconds).toLocaleString('en')} events/s   `,
    );
  }
  process.stderr.write('\n');
  return median(rates);
}

await registerSchemas(new RegistryClient(registryUrl), topic, loadSchemas());
const serde = await AccountEventSerde.connect({ registryUrl, topic });
const events = sampleEvents(count);
console.log(
  `${count.toLocaleString('en')} events (80% movements, 10% opened, 10% closed), median of ${rounds} rounds`,
);

const avroBytes = events.map((e) => serde.encode(e));
const jsonBytes = events.map((e) => Buffer.from(JSON.stringify(e)));
for (const bytes of avroBytes.slice(0, 4)) await serde.decode(bytes); // warm the schema cache

const avroEncode = await measure('avro encode', () => events.map((e) => serde.encode(e)));
const jsonEncode = await measure('json encode', () =>
  events.map((e) => Buffer.from(JSON.stringify(e))),
);
const avroDecode = await measure('avro decode', async () => {
  for (const bytes of avroBytes) await serde.decode(bytes);
});
const jsonDecode = await measure('json decode', () =>
  jsonBytes.map((b) => JSON.parse(b.toString('utf8')) as unknown),
);

const avg = (list: Buffer[]) => list.reduce((sum, b) => sum + b.length, 0) / list.length;
const fmt = (n: number) => Math.round(n).toLocaleString('en').padStart(12);
console.log(`
                 avro serde        JSON     avro/JSON
encode events/s ${fmt(avroEncode)} ${fmt(jsonEncode)}   ${(avroEncode / jsonEncode).toFixed(2)}
decode events/s ${fmt(avroDecode)} ${fmt(jsonDecode)}   ${(avroDecode / jsonDecode).toFixed(2)}
bytes per event ${fmt(avg(avroBytes))} ${fmt(avg(jsonBytes))}   ${(avg(avroBytes) / avg(jsonBytes)).toFixed(2)}`);
