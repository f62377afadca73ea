import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { survivingIdleDisconnects } from './store.js';

describe('survivingIdleDisconnects', () => {
  it("keeps an idle connection's error from ending the process", () => {
    const bare = new EventEmitter();
    // What pg does when the server ends an idle connection of a pool nobody listens to.
    expect(() => bare.emit('error', new Error('terminating connection'))).toThrow(
      'terminating connection',
    );
    const pool = survivingIdleDisconnects(new EventEmitter());
    expect(() => pool.emit('error', new Error('terminating connection'))).not.toThrow();
  });
});
