import type { Consumer, EachBatchPayload } from 'kafkajs';

type BatchHandler = (payload: EachBatchPayload) => Promise<void>;

/**
 * Spaces a consumer's fetches at least `intervalMs` apart while records flow: each batch handler,
 * once done, waits until that long after the fetch it came from started (kafkajs fetches again
 * only when every batch of a fetch was handled). An idle topic still long-polls, so the first
 * record after a quiet spell is fetched at once; under load a fetch holds the records of up to
 * `intervalMs` instead of one or two, at fewer requests for the client and the broker. A record
 * arriving during the wait is read up to `intervalMs` later. With several brokers (a fetch each)
 * the wait counts from the latest fetch start, so it is never longer. 0: no spacing (ADR 0015).
 */
export function pacedBatches(
  consumer: Consumer,
  intervalMs: number,
  handler: BatchHandler,
): BatchHandler {
  if (intervalMs <= 0) return handler;
  let fetchStartedAt = 0;
  consumer.on(consumer.events.FETCH_START, () => {
    fetchStartedAt = performance.now();
  });
  return async (payload) => {
    await handler(payload);
    const wait = fetchStartedAt + intervalMs - performance.now();
    if (wait > 0 && payload.isRunning()) {
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  };
}
