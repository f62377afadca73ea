import { expect } from 'vitest';
import {
  decide,
  foldEvents,
  type AccountCommand,
  type AccountEvent,
  type FollowUp,
  type Rejection,
  type RejectionCode,
} from '../src/index.js';

/**
 * given(events).when(command).then(expected, followUps = []): the specification style for the
 * decider.
 * - then(events): the command is accepted and produces exactly these events, which must also
 *   fold onto the given state (so decide never emits what evolve would refuse).
 * - then(code): the command is rejected with this code; returns the rejection for more checks.
 * - either way, the decision asks exactly `followUps` of other accounts (ADR 0007).
 * - thenThrows(ErrorClass): decide throws (caller bugs such as bad metadata).
 * Every run also checks that decide is deterministic and leaves state and command untouched.
 */
export function given(events: readonly AccountEvent[] = []) {
  return {
    when(command: AccountCommand) {
      const run = () => {
        const state = deepFreeze(foldEvents(events));
        deepFreeze(command);
        const decision = decide(state, command);
        expect(decide(state, command)).toEqual(decision);
        return { state, decision };
      };
      return {
        then: ((
          expected: readonly AccountEvent[] | RejectionCode,
          followUps: readonly FollowUp[] = [],
        ) => {
          const { state, decision } = run();
          expect(decision.followUps).toEqual(followUps);
          if (typeof expected === 'string') {
            expect(decision).toMatchObject({ outcome: 'rejected', rejection: { code: expected } });
            expect(decision).not.toHaveProperty('events');
            if (decision.outcome !== 'rejected') throw new Error('unreachable');
            return decision.rejection;
          }
          expect(decision).toEqual({ outcome: 'accepted', events: expected, followUps });
          if (decision.outcome !== 'accepted') throw new Error('unreachable');
          foldEvents(decision.events, state);
          return decision.events;
        }) as Then,
        thenThrows(error: abstract new (...args: never[]) => Error, message?: RegExp): void {
          expect(() => run()).toThrow(error);
          if (message) expect(() => run()).toThrow(message);
        },
      };
    },
  };
}

interface Then {
  (events: readonly AccountEvent[], followUps?: readonly FollowUp[]): AccountEvent[];
  (code: RejectionCode, followUps?: readonly FollowUp[]): Rejection;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
