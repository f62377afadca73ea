export {
  ACCOUNT_COMMAND_TYPES,
  type AccountCommand,
  type AccountCommandType,
  type CloseAccount,
  type CommandMetadata,
  type DepositMoney,
  type OpenAccount,
  type WithdrawMoney,
} from './commands.js';
export { balanceChange } from './balance-change.js';
export {
  CURRENCIES,
  CURRENCY_CODES,
  ISO_4217_EDITION,
  isCurrencyCode,
  minorUnitsOf,
  type CurrencyCode,
  type CurrencyInfo,
} from './currencies.js';
export { decide } from './decide.js';
export { accountDecider, type AccountDecider, type Decider } from './decider.js';
export {
  REJECTION_CODES,
  type Accepted,
  type Decision,
  type Rejected,
  type Rejection,
  type RejectionCode,
  type RejectionDetailValue,
} from './decision.js';
export {
  CorruptEventStreamError,
  LedgerError,
  LedgerUsageError,
  type CorruptEventStreamReason,
  type LedgerErrorCode,
  type LedgerUsageReason,
} from './errors.js';
export {
  ACCOUNT_EVENT_TYPES,
  type AccountClosed,
  type AccountEvent,
  type AccountEventType,
  type AccountOpened,
  type EventEnvelope,
  type MoneyDeposited,
  type MoneyWithdrawn,
} from './events.js';
export { evolve, foldEvents } from './evolve.js';
export { EVENT_IDS_PER_COMMAND } from './metadata.js';
export {
  MAX_AMOUNT_MINOR,
  MAX_BALANCE_MINOR,
  MAX_OVERDRAFT_LIMIT_MINOR,
  isValidAmount,
  isValidOverdraftLimit,
} from './money.js';
export {
  initialState,
  type AccountState,
  type AccountStatus,
  type ClosedAccountState,
  type OpenAccountState,
  type UnopenedAccountState,
} from './state.js';
export { MAX_ACCOUNT_ID_LENGTH, MAX_OWNER_LENGTH } from './validation.js';
