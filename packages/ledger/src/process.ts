import type { FollowUp } from './commands.js';

/**
 * The name a process command's id is derived from (ADR 0007): the shell makes the command id
 * UUID v5 of this name, so every owner that issues the same step writes the same id, and the
 * target's dedupe by command id recognises a repeat.
 */
export function processCommandName(
  command: FollowUp | { readonly type: 'ExpireHold'; readonly holdId: string },
): string {
  return command.type === 'ExpireHold'
    ? `hold/${command.holdId}/ExpireHold`
    : `transfer/${command.transferId}/${command.type}`;
}
