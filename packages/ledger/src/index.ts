export { balanceChange, heldChange, inFlightChange } from './balance-change.js';
export {
  ACCOUNT_COMMAND_TYPES,
  PROCESS_COMMAND_TYPES,
  type AccountCommand,
  type AccountCommandType,
  type CaptureHold,
  type CloseAccount,
  type CommandMetadata,
  type CompleteTransfer,
  type CreditTransfer,
  type DepositMoney,
  type ExpireHold,
  type FollowUp,
  type OpenAccount,
  type PlaceHold,
  type ProcessCommandType,
  type ReleaseHold,
  type ReverseTransfer,
  type TransferMoney,
  type WithdrawMoney,
} from './commands.js';
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
  type HoldCaptured,
  type HoldEvent,
  type HoldExpired,
  type HoldPlaced,
  type HoldReleased,
  type MoneyDeposited,
  type MoneyWithdrawn,
  type TransferCompleted,
  type TransferCredited,
  type TransferDebited,
  type TransferEvent,
  type TransferReversed,
} from './events.js';
export { evolve, foldEvents } from './evolve.js';
export { availableBalance, dueHolds, nextHoldExpiry } from './holds.js';
export { MAX_EVENTS_PER_COMMAND, eventIdsNeeded } from './metadata.js';
export {
  MAX_AMOUNT_MINOR,
  MAX_BALANCE_MINOR,
  MAX_OVERDRAFT_LIMIT_MINOR,
  isValidAmount,
  isValidOverdraftLimit,
} from './money.js';
export { processCommandName } from './process.js';
export {
  initialState,
  type AccountState,
  type AccountStatus,
  type ClosedAccountState,
  type LiveHold,
  type OpenAccountState,
  type UnopenedAccountState,
  type UnsettledTransfer,
} from './state.js';
export {
  foldTransfer,
  isFinal,
  isTransferEvent,
  type TransferFold,
  type TransferRecord,
  type TransferStatus,
  type TransferStep,
  type TransferViolation,
  type TransferViolationCode,
} from './transfer-lifecycle.js';
export {
  isPlainText,
  MAX_ACCOUNT_ID_LENGTH,
  MAX_HOLD_DURATION_MS,
  MAX_OWNER_LENGTH,
  PLAIN_TEXT_PATTERN,
} from './validation.js';
