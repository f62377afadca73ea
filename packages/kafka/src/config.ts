import { readFileSync } from 'node:fs';
import { ConfigError, env, secret } from '@tally/service';
import type { SASLOptions } from 'kafkajs';
import { z } from 'zod';

const SASL_MECHANISMS = ['scram-sha-512', 'scram-sha-256'] as const;

/**
 * Env vars every Kafka-using service and tool reads, the only place KAFKA_BROKERS and the broker
 * credentials are parsed; the same names as infra/local and docker-compose.
 */
export const kafkaEnv = {
  KAFKA_BROKERS: env.list().default(['127.0.0.1:9092']),
  KAFKA_CLIENT_ID: z.string().min(1).default('tally'),
  /** Partitions of new topics; co-partitioned topics must share it (local 6, production from ops). */
  TALLY_TOPIC_PARTITIONS: env.positiveInt().default(6),
  /** 1 on the single local broker; 3 in production with min.insync.replicas=2. */
  TALLY_TOPIC_REPLICATION: env.positiveInt().default(1),
  /** SASL authentication towards the brokers; unset = none (the local PLAINTEXT stack). */
  KAFKA_SASL_MECHANISM: z.enum(SASL_MECHANISMS).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: secret(z.string().min(1).optional()),
  /** TLS towards the brokers (SASL_SSL or SSL listeners). */
  KAFKA_SSL: z.enum(['true', 'false']).default('false'),
  /** PEM file of the CA that signed the brokers' certificates; unset = the system's CAs. */
  KAFKA_SSL_CA_FILE: z.string().min(1).optional(),
  /**
   * Fetches of the consumers on every command's path (the intake's processor and reply reader,
   * the projector, the audit) start at least this many ms apart while records flow (see
   * pacedBatches): each hop may read a record up to this much later, for fewer requests on the
   * client and the broker. 0 = fetch again as soon as a fetch was handled (ADR 0015).
   */
  KAFKA_FETCH_INTERVAL_MS: z.coerce.number().int().min(0).max(1_000).default(0),
};

/** What a client needs of the loaded config. */
export interface KafkaConfig {
  readonly KAFKA_BROKERS: readonly string[];
  readonly KAFKA_CLIENT_ID: string;
  readonly KAFKA_SASL_MECHANISM?: (typeof SASL_MECHANISMS)[number] | undefined;
  readonly KAFKA_SASL_USERNAME?: string | undefined;
  readonly KAFKA_SASL_PASSWORD?: string | undefined;
  readonly KAFKA_SSL?: 'true' | 'false' | undefined;
  readonly KAFKA_SSL_CA_FILE?: string | undefined;
}

/** How a client authenticates and encrypts, as kafkajs takes it. */
export interface KafkaConnection {
  readonly sasl?: SASLOptions;
  readonly ssl?: boolean | { readonly ca: string[] };
}

/**
 * The SASL and TLS options a config describes. Throws ConfigError (at start) naming the variables
 * that do not fit together; never their values.
 */
export function kafkaConnection(config: KafkaConfig): KafkaConnection {
  const problems: string[] = [];
  const mechanism = config.KAFKA_SASL_MECHANISM;
  const username = config.KAFKA_SASL_USERNAME;
  const password = config.KAFKA_SASL_PASSWORD;
  if (mechanism === undefined) {
    if (username !== undefined || password !== undefined) {
      problems.push(
        'KAFKA_SASL_MECHANISM: is required when KAFKA_SASL_USERNAME or KAFKA_SASL_PASSWORD is set',
      );
    }
  } else {
    if (username === undefined)
      problems.push(`KAFKA_SASL_USERNAME: is required with KAFKA_SASL_MECHANISM=${mechanism}`);
    if (password === undefined)
      problems.push(`KAFKA_SASL_PASSWORD: is required with KAFKA_SASL_MECHANISM=${mechanism}`);
  }
  const tls = config.KAFKA_SSL === 'true';
  let ca: string | undefined;
  if (config.KAFKA_SSL_CA_FILE !== undefined) {
    if (!tls) problems.push('KAFKA_SSL_CA_FILE: is only used with KAFKA_SSL=true');
    try {
      ca = readFileSync(config.KAFKA_SSL_CA_FILE, 'utf8');
    } catch (error) {
      problems.push(
        `KAFKA_SSL_CA_FILE: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    ...(mechanism === undefined || username === undefined || password === undefined
      ? {}
      : { sasl: { mechanism, username, password } }),
    ...(tls ? { ssl: ca === undefined ? true : { ca: [ca] } } : {}),
  };
}
