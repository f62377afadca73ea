import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { TallyError } from '@tally/kafka';
import type { AccountEvent } from '@tally/ledger';
import type avro from 'avsc';
import { EventDecodeError, EventEncodeError } from './errors.js';
import { REGISTRY_TIMEOUT_MS, RegistryClient, RegistryError } from './registry-client.js';
import type { RegistryAuth } from './registry-env.js';
import { loadSchemas, type LocalSchema } from './schemas.js';
import { subjectFor } from './subjects.js';
import { frame, unframe } from './wire-format.js';

interface Reader {
  readonly name: AccountEvent['type'];
  readonly type: avro.Type;
  readonly resolver: avro.Resolver;
  /** The writer's subject under this topic (`<topic>-<record full name>`). */
  readonly subject: string;
}

type RegistryMiddleware = NonNullable<
  NonNullable<ConstructorParameters<typeof SchemaRegistry>[0]>['middlewares']
>[number];

/** Gives every request of the registry client a timeout (it has none of its own). */
const timeout =
  (ms: number): RegistryMiddleware =>
  () => ({
    async prepareRequest(next) {
      const request = await next();
      return request.timeout() ? request : request.enhance({ timeout: ms });
    },
  });

/** The schema an event was written with, as the registry knows it. */
export interface WriterSchema {
  readonly id: number;
  readonly subject: string;
  /** The subject's version of this schema; null when the id is not registered under it. */
  readonly version: number | null;
}

/** An event with the schema it was written with. */
export interface DecodedEvent {
  readonly event: AccountEvent;
  readonly writer: WriterSchema;
}

interface Writer {
  readonly id: number;
  readonly type: avro.Type;
}

export class SchemaNotRegisteredError extends TallyError {
  constructor(readonly subject: string) {
    super(
      'SCHEMA_NOT_REGISTERED',
      `the local schema of subject ${subject} is not registered; run \`pnpm schemas register\` first`,
      false,
    );
    this.name = 'SchemaNotRegisteredError';
  }
}

export interface SerdeOptions {
  readonly registryUrl: string;
  /** Basic-auth credentials of the registry (registryOptions reads them from the config). */
  readonly registryAuth?: RegistryAuth | undefined;
  /** The events topic; subjects are `<topic>-<record full name>`. */
  readonly topic: string;
  /** Reader and writer schemas; defaults to the .avsc files of this package. */
  readonly schemas?: readonly LocalSchema[];
  /** How long one registry call may take (default REGISTRY_TIMEOUT_MS). */
  readonly timeoutMs?: number;
}

/**
 * Account events to and from Confluent wire format. Encoding uses the ids of this package's schemas,
 * looked up once at connect; decoding fetches each writer schema id once, then resolves the
 * writer's version into the local reader schema, so old and new versions both decode.
 */
export class AccountEventSerde {
  private readonly readers = new Map<number, Reader>();
  private readonly pendingReaders = new Map<number, Promise<Reader>>();
  private readonly writerSchemas = new Map<number, WriterSchema>();
  private readonly pendingWriterSchemas = new Map<number, Promise<WriterSchema>>();

  private constructor(
    private readonly registry: SchemaRegistry,
    private readonly listing: RegistryClient,
    private readonly topic: string,
    private readonly writers: ReadonlyMap<string, Writer>,
    private readonly localByFullName: ReadonlyMap<string, LocalSchema>,
  ) {}

  static async connect(options: SerdeOptions): Promise<AccountEventSerde> {
    const schemas = options.schemas ?? loadSchemas();
    const timeoutMs = options.timeoutMs ?? REGISTRY_TIMEOUT_MS;
    const registry = new SchemaRegistry({
      host: options.registryUrl,
      ...(options.registryAuth === undefined ? {} : { auth: { ...options.registryAuth } }),
      middlewares: [timeout(timeoutMs)],
    });
    const writers = new Map<string, Writer>();
    for (const local of schemas) {
      const subject = subjectFor(options.topic, local.fullName);
      const id = await registry
        .getRegistryIdBySchema(subject, {
          type: SchemaType.AVRO,
          schema: JSON.stringify(local.schema),
        })
        .catch((error: unknown) => {
          throw /not found|404/i.test(String(error))
            ? new SchemaNotRegisteredError(subject)
            : error;
        });
      writers.set(local.name, { id, type: local.type });
    }
    const byFullName = new Map(schemas.map((local) => [local.fullName, local]));
    const listing = new RegistryClient(options.registryUrl, timeoutMs, options.registryAuth);
    return new AccountEventSerde(registry, listing, options.topic, writers, byFullName);
  }

  /** The schema id each event type is written with. */
  schemaIds(): ReadonlyMap<string, number> {
    return new Map([...this.writers].map(([name, writer]) => [name, writer.id]));
  }

  encode(event: AccountEvent): Buffer {
    const writer = this.writers.get(event.type);
    if (writer === undefined) {
      throw new EventEncodeError(`no schema for event type ${JSON.stringify(event.type)}`);
    }
    const invalid: string[] = [];
    if (!writer.type.isValid(event, { errorHook: (path) => invalid.push(path.join('.')) })) {
      throw new EventEncodeError(
        `${event.type} does not match its schema at field(s): ${invalid.join(', ')}`,
      );
    }
    return frame(writer.id, writer.type.toBuffer(event));
  }

  async decode(bytes: Buffer | null): Promise<AccountEvent> {
    const { schemaId, body } = unframe(bytes);
    const reader = this.readers.get(schemaId) ?? (await this.readerFor(schemaId));
    return this.read(reader, schemaId, body);
  }

  /**
   * Synchronous decode for a writer schema id already resolved by an earlier `decode`: the event,
   * or `undefined` when the id is not cached yet (call `decode` then; it fetches the schema once).
   * Throws the same `EventDecodeError`s as `decode` for a bad frame or body.
   */
  decodeCached(bytes: Buffer | null): AccountEvent | undefined {
    const { schemaId, body } = unframe(bytes);
    const reader = this.readers.get(schemaId);
    return reader === undefined ? undefined : this.read(reader, schemaId, body);
  }

  /** `decode` with the schema the event was written with (its id, subject and version). */
  async decodeWithSchema(bytes: Buffer | null): Promise<DecodedEvent> {
    const { schemaId, body } = unframe(bytes);
    const reader = this.readers.get(schemaId) ?? (await this.readerFor(schemaId));
    const event = this.read(reader, schemaId, body);
    const writer = this.writerSchemas.get(schemaId) ?? (await this.writerSchema(schemaId, reader));
    return { event, writer };
  }

  /** `decodeWithSchema` without waiting, once the schema id was seen; else undefined. */
  decodeWithSchemaCached(bytes: Buffer | null): DecodedEvent | undefined {
    const { schemaId, body } = unframe(bytes);
    const reader = this.readers.get(schemaId);
    const writer = this.writerSchemas.get(schemaId);
    if (reader === undefined || writer === undefined) return undefined;
    return { event: this.read(reader, schemaId, body), writer };
  }

  private writerSchema(schemaId: number, reader: Reader): Promise<WriterSchema> {
    let pending = this.pendingWriterSchemas.get(schemaId);
    if (pending === undefined) {
      pending = this.listing
        .subjectVersionsOfId(schemaId)
        .then((versions) => {
          const found = versions.find((v) => v.subject === reader.subject);
          const writer = { id: schemaId, subject: reader.subject, version: found?.version ?? null };
          this.writerSchemas.set(schemaId, writer);
          return writer;
        })
        .finally(() => this.pendingWriterSchemas.delete(schemaId));
      this.pendingWriterSchemas.set(schemaId, pending);
    }
    return pending;
  }

  private read(reader: Reader, schemaId: number, body: Buffer): AccountEvent {
    let record: object;
    try {
      record = reader.type.fromBuffer(body, reader.resolver) as object;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const reason = /truncated/i.test(message) ? 'TRUNCATED' : 'INVALID_BODY';
      throw new EventDecodeError(reason, `schema id ${schemaId}: ${message}`, schemaId);
    }
    return { type: reader.name, ...record } as AccountEvent;
  }

  private readerFor(schemaId: number): Promise<Reader> {
    let pending = this.pendingReaders.get(schemaId);
    if (pending === undefined) {
      pending = this.resolveReader(schemaId).finally(() => this.pendingReaders.delete(schemaId));
      this.pendingReaders.set(schemaId, pending);
    }
    return pending;
  }

  /**
   * A registry whose database is down answers 404 for every schema id (ADR 0003), which would
   * halt a projector and write a false anomaly for good. The 404 is trusted only while the
   * registry can list its subjects; otherwise it is a registry error, retriable as the listing's.
   */
  private async registryAnswersFor(schemaId: number, notFound: unknown): Promise<void> {
    try {
      await this.listing.subjects();
    } catch (error) {
      throw new RegistryError(
        error instanceof RegistryError ? error.status : 0,
        undefined,
        `answered 404 for schema id ${schemaId} while it cannot list its subjects (${String(error)}): its storage is unavailable, trying again`,
        `GET /schemas/ids/${schemaId}`,
        { cause: notFound },
      );
    }
  }

  private async resolveReader(schemaId: number): Promise<Reader> {
    let writerType: avro.Type;
    try {
      writerType = (await this.registry.getSchema(schemaId)) as avro.Type;
    } catch (error) {
      if ((error as { status?: number }).status === 404) {
        await this.registryAnswersFor(schemaId, error);
        throw new EventDecodeError(
          'UNKNOWN_SCHEMA_ID',
          `schema id ${schemaId} is not in the registry`,
          schemaId,
        );
      }
      throw error;
    }
    const local = writerType.name ? this.localByFullName.get(writerType.name) : undefined;
    if (local === undefined) {
      // Skipping would be wrong: the event changes the account, and its version would leave a
      // gap. Halting is the only safe answer; the message says what to deploy (ADR 0007).
      throw new EventDecodeError(
        'UNKNOWN_EVENT_TYPE',
        `schema id ${schemaId} is ${writerType.name ?? 'an unnamed schema'}, not an account event ` +
          `type this build knows: deploy a reader built with it (readers before writers)`,
        schemaId,
      );
    }
    let resolver: avro.Resolver;
    try {
      resolver = local.type.createResolver(writerType);
    } catch (error) {
      throw new EventDecodeError(
        'UNKNOWN_EVENT_TYPE',
        `schema id ${schemaId} (${local.fullName}) cannot be read with the local schema: ${String(error)}`,
        schemaId,
      );
    }
    const reader: Reader = {
      name: local.name as AccountEvent['type'],
      type: local.type,
      resolver,
      subject: subjectFor(this.topic, local.fullName),
    };
    this.readers.set(schemaId, reader);
    return reader;
  }
}
