import { describe, expect, it } from 'vitest';
import { byLeader, unevenAnswer } from './leader-groups.js';

const record = (partition: number | undefined, value: string) => ({ partition, value });

describe('byLeader', () => {
  it('puts every partition of one leader into one request, keeping each partition’s order', () => {
    const leaders = new Map([
      [
        'events',
        new Map([
          [0, 1],
          [1, 2],
        ]),
      ],
      [
        'changelog',
        new Map([
          [0, 1],
          [1, 2],
        ]),
      ],
    ]);
    const groups = byLeader(
      [
        { topic: 'events', messages: [record(0, 'e0a'), record(1, 'e1'), record(0, 'e0b')] },
        { topic: 'changelog', messages: [record(0, 'c0'), record(1, 'c1')] },
      ],
      leaders,
    );
    expect(groups).toEqual([
      [
        { topic: 'events', messages: [record(0, 'e0a'), record(0, 'e0b')] },
        { topic: 'changelog', messages: [record(0, 'c0')] },
      ],
      [
        { topic: 'events', messages: [record(1, 'e1')] },
        { topic: 'changelog', messages: [record(1, 'c1')] },
      ],
    ]);
  });

  it('sends a partition whose leader is not known, or a record without a partition, on its own', () => {
    const leaders = new Map([['events', new Map([[0, 1]])]]);
    const groups = byLeader(
      [
        { topic: 'events', messages: [record(0, 'a'), record(3, 'b')] },
        { topic: 'outcomes', messages: [record(0, 'c'), record(undefined, 'd')] },
      ],
      leaders,
    );
    expect(groups).toEqual([
      [{ topic: 'events', messages: [record(0, 'a')] }],
      [{ topic: 'events', messages: [record(3, 'b')] }],
      [{ topic: 'outcomes', messages: [record(0, 'c')] }],
      [{ topic: 'outcomes', messages: [record(undefined, 'd')] }],
    ]);
  });

  it('with no metadata, sends one topic-partition per request', () => {
    const groups = byLeader(
      [{ topic: 'events', messages: [record(0, 'a'), record(1, 'b'), record(0, 'c')] }],
      new Map(),
    );
    expect(groups).toEqual([
      [{ topic: 'events', messages: [record(0, 'a'), record(0, 'c')] }],
      [{ topic: 'events', messages: [record(1, 'b')] }],
    ]);
  });
});

describe('unevenAnswer', () => {
  const group = [
    { topic: 'events', messages: [record(0, 'e0'), record(1, 'e1')] },
    { topic: 'changelog', messages: [record(0, 'c0')] },
  ];
  const answer = (topicName: string, partition: number) => ({ topicName, partition });

  it('trusts an answer naming every topic-partition of the group once', () => {
    expect(
      unevenAnswer(group, [answer('events', 0), answer('events', 1), answer('changelog', 0)]),
    ).toBeUndefined();
  });

  it('refuses an answer naming a partition twice: a retried request wrote it again', () => {
    expect(
      unevenAnswer(group, [
        answer('events', 0),
        answer('events', 1),
        answer('changelog', 0),
        answer('events', 1),
      ]),
    ).toBe('answered more than once: events[1]');
  });

  it('refuses an answer missing a partition: its records were never written', () => {
    expect(unevenAnswer(group, [answer('events', 0), answer('changelog', 0)])).toBe(
      'not answered: events[1]',
    );
  });

  it('asks of records without a partition only that their topic answered', () => {
    const loose = [{ topic: 'outcomes', messages: [record(undefined, 'o')] }];
    expect(unevenAnswer(loose, [answer('outcomes', 3)])).toBeUndefined();
    expect(unevenAnswer(loose, [])).toBe('not answered: outcomes');
  });
});
