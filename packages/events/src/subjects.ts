/**
 * Subject naming: Confluent's TopicRecordNameStrategy, `<topic>-<record full name>`, one subject per
 * event type per topic. Java and Python Confluent serializers name subjects the same way when
 * configured with `value.subject.name.strategy=TopicRecordNameStrategy`; their deserializers need
 * only the schema id in each record.
 */
export function subjectFor(topic: string, recordFullName: string): string {
  return `${topic}-${recordFullName}`;
}

/** Compatibility of every event subject: new readers read all old events, old readers all new ones. */
export const EVENT_SUBJECT_COMPATIBILITY = 'FULL_TRANSITIVE';
