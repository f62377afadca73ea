import { EventEmitter } from 'node:events';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pacedBatches } from './fetch-pacing.js';

const FETCH_START = 'consumer.fetch_start';

/** The part of a kafkajs consumer pacedBatches uses: its FETCH_START event. */
function fakeConsumer() {
  const emitter = new EventEmitter();
  const consumer = {
    events: { FETCH_START },
    on: (event: string, listener: () => void) => emitter.on(event, listener),
  } as unknown as Consumer;
  return { consumer, fetchStarts: () => emitter.emit(FETCH_START) };
}

const payload = (running = true) => ({ isRunning: () => running }) as unknown as EachBatchPayload;

describe('pacedBatches', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands the handler back unchanged when the interval is 0', () => {
    const { consumer } = fakeConsumer();
    const handler = async () => {};
    expect(pacedBatches(consumer, 0, handler)).toBe(handler);
  });

  it('finishes a batch no sooner than the interval after its fetch started', async () => {
    const { consumer, fetchStarts } = fakeConsumer();
    const handled: string[] = [];
    const paced = pacedBatches(consumer, 10, async () => {
      handled.push('batch');
    });
    fetchStarts();
    vi.advanceTimersByTime(3);
    let done = false;
    const batch = paced(payload()).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(6);
    expect(handled).toEqual(['batch']);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await batch;
    expect(done).toBe(true);
  });

  it('does not wait when the fetch started longer ago than the interval (an idle long poll)', async () => {
    const { consumer, fetchStarts } = fakeConsumer();
    const paced = pacedBatches(consumer, 10, async () => {});
    fetchStarts();
    vi.advanceTimersByTime(250);
    let done = false;
    const batch = paced(payload()).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(true);
    await batch;
  });

  it('does not wait once the consumer stops running', async () => {
    const { consumer, fetchStarts } = fakeConsumer();
    const paced = pacedBatches(consumer, 10, async () => {});
    fetchStarts();
    let done = false;
    const batch = paced(payload(false)).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(true);
    await batch;
  });
});
