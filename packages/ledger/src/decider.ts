import type { AccountCommand } from './commands.js';
import { decide } from './decide.js';
import type { Decision } from './decision.js';
import type { AccountEvent } from './events.js';
import { evolve } from './evolve.js';
import { initialState, type AccountState } from './state.js';

/**
 * The decider pattern: everything a command handler needs to run the domain.
 * Handler: state = events.reduce(evolve, initialState); decision = decide(state, command);
 * append decision.events with expected stream version state.version.
 */
export interface Decider<Command, Event, State, Outcome> {
  readonly decide: (state: State, command: Command) => Outcome;
  readonly evolve: (state: State, event: Event) => State;
  readonly initialState: State;
}

export type AccountDecider = Decider<AccountCommand, AccountEvent, AccountState, Decision>;

export const accountDecider: AccountDecider = Object.freeze({ decide, evolve, initialState });
