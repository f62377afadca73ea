import { randomUUID } from 'node:crypto';
import {
  encodeOutcome,
  type AccountEventSerde,
  type CommandBody,
  type CommandRecord,
} from '@tally/events';
import { partitionFor, type KafkaClient, type OutgoingRecord } from '@tally/kafka';
import { uniqueName } from '@tally/kafka/testing';
import { decide, evolve, initialState, type AccountState } from '@tally/ledger';
import { outcomeRecord, toLedgerCommand } from '../src/command-handler.js';
import { commandIdFor, requestHash } from '../src/ids.js';
import { changelogMessage, type IntakeTopics } from '../src/state/changelog.js';
import { accountChange, replyChange, replyOf } from '../src/state/ledger-state.js';

/** Topic names of a bench run of its own. */
export function freshIntakeTopics(prefix: string): IntakeTopics {
  return {
    events: uniqueName(`${prefix}.events`),
    commands: uniqueName(`${prefix}.commands`),
    outcomes: uniqueName(`${prefix}.outcomes`),
    changelog: uniqueName(`${prefix}.changelog`),
  };
}

/** The account ids of a preloaded history. */
export const benchAccountId = (i: number) => `scale-${i}`;

/**
 * Writes the history an intake would have written for `accounts` accounts, each opened and funded
 * (two commands, two events, two outcomes), straight to the topics in the intake's own formats:
 * the commands are decided by the ledger's `decide` and turned into records by the same functions
 * the command handler uses; the changelog gets each account's state and both idempotency records,
 * as the handler's transactions would have left them. Nothing goes through HTTP or transactions.
 */
export async function preloadHistory(options: {
  kafka: KafkaClient;
  serde: AccountEventSerde;
  topics: IntakeTopics;
  accounts: number;
  partitions: number;
  windowMs: number;
  log: (line: string) => void;
}): Promise<{ events: number; outcomes: number; changelog: number }> {
  const { kafka, serde, topics, accounts, partitions, windowMs, log } = options;
  const producer = kafka.producer();
  await producer.connect();
  const counts = { events: 0, outcomes: 0, changelog: 0 };
  const started = Date.now();
  const t0 = started - 24 * 3_600_000;
  const chunk = 5_000;
  // Generating is synchronous; up to four chunks are sent while the next ones are made.
  const inFlight = new Set<Promise<void>>();
  try {
    for (let from = 0; from < accounts; from += chunk) {
      const events: OutgoingRecord[] = [];
      const outcomes: OutgoingRecord[] = [];
      const changelog: OutgoingRecord[] = [];
      for (let i = from; i < Math.min(from + chunk, accounts); i += 1) {
        const accountId = benchAccountId(i);
        const partition = partitionFor(accountId, partitions);
        const commands: [string, CommandBody][] = [
          [
            `open-${accountId}`,
            { type: 'OpenAccount', accountId, owner: `Owner ${i}`, currency: 'EUR' },
          ],
          [
            `fund-${accountId}`,
            { type: 'DepositMoney', accountId, amount: 100_000_000, currency: 'EUR' },
          ],
        ];
        let state: AccountState = initialState;
        for (const [n, [idempotencyKey, command]] of commands.entries()) {
          const at = t0 + i + n;
          const record: CommandRecord = {
            v: 1,
            commandId: commandIdFor(accountId, idempotencyKey),
            idempotencyKey,
            requestHash: requestHash(command),
            correlationId: randomUUID(),
            actor: 'preload',
            receivedAt: at,
            eventId: randomUUID(),
            command,
          };
          const decision = decide(state, toLedgerCommand(record, at));
          if (decision.outcome !== 'accepted')
            throw new Error(`preload refused: ${decision.rejection.code}`);
          for (const event of decision.events) {
            state = evolve(state, event);
            events.push({ key: accountId, value: serde.encode(event), partition });
          }
          const outcome = outcomeRecord(record, decision, state, at, at);
          outcomes.push({ key: accountId, value: encodeOutcome(outcome), partition });
          changelog.push(changelogMessage(replyChange(replyOf(outcome), at + windowMs), partition));
        }
        if (state.status !== 'not-opened')
          changelog.push(changelogMessage(accountChange(state), partition));
      }
      const done = Math.min(from + chunk, accounts);
      const sent = Promise.all([
        producer.send({ topic: topics.events, messages: events }),
        producer.send({ topic: topics.outcomes, messages: outcomes }),
        producer.send({ topic: topics.changelog, messages: changelog }),
      ]).then(() => {
        counts.events += events.length;
        counts.outcomes += outcomes.length;
        counts.changelog += changelog.length;
        const rate = Math.round(done / ((Date.now() - started) / 1000));
        log(`\r  preloaded ${done}/${accounts} accounts (${rate} accounts/s)   `);
      });
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent));
      if (inFlight.size >= 4) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    await producer.disconnect();
  }
  log(`\n`);
  return counts;
}
