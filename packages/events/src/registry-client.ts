import { TallyError } from '@tally/kafka';
import type { RegistryAuth } from './registry-env.js';

// A small typed client for the Confluent Schema Registry REST API, for what
// @kafkajs/confluent-schema-registry (the serde's client) lacks: compatibility checks with the
// registry's reasons, listing subjects and versions, the subjects of a schema id. Every call has a
// timeout.

/** A registry answer other than success, or no answer: retriable unless the registry refused. */
export class RegistryError extends TallyError {
  constructor(
    readonly status: number,
    readonly errorCode: number | undefined,
    message: string,
    readonly request: string,
    options?: ErrorOptions,
  ) {
    super(
      'SCHEMA_REGISTRY_ERROR',
      `${request} -> ${status === 0 ? 'no answer' : `HTTP ${status}`}${errorCode ? ` (error_code ${errorCode})` : ''}: ${message}`,
      status === 0 || status >= 500,
      false,
      options,
    );
    this.name = 'RegistryError';
  }
}

export interface RegisteredSchema {
  readonly subject: string;
  readonly version: number;
  readonly id: number;
  readonly schema: string;
}

export interface CompatibilityResult {
  readonly compatible: boolean;
  /** The registry's reasons, when it gives them (verbose mode). */
  readonly messages: readonly string[];
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/** How long one registry call may take, by default. */
export const REGISTRY_TIMEOUT_MS = 10_000;

export class RegistryClient {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = REGISTRY_TIMEOUT_MS,
    auth?: RegistryAuth,
  ) {
    this.authorization =
      auth === undefined
        ? {}
        : {
            authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`,
          };
  }

  private readonly authorization: { authorization?: string };

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const request = `${method} ${path}`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: { 'content-type': CONTENT_TYPE, accept: CONTENT_TYPE, ...this.authorization },
        signal: AbortSignal.timeout(this.timeoutMs),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      text = await response.text();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new RegistryError(0, undefined, reason, request, { cause: error });
    }
    const data: unknown = text === '' ? undefined : JSON.parse(text);
    if (!response.ok) {
      const problem = (data ?? {}) as { error_code?: number; message?: string };
      throw new RegistryError(
        response.status,
        problem.error_code,
        problem.message ?? text,
        request,
      );
    }
    return data as T;
  }

  async subjects(): Promise<string[]> {
    // Some registries answer an empty list with null.
    return (await this.call<string[] | null>('GET', '/subjects')) ?? [];
  }

  versions(subject: string): Promise<number[]> {
    return this.call('GET', `/subjects/${encodeURIComponent(subject)}/versions`);
  }

  version(subject: string, version: number | 'latest'): Promise<RegisteredSchema> {
    return this.call('GET', `/subjects/${encodeURIComponent(subject)}/versions/${version}`);
  }

  /** The subject's registered version of exactly this schema, or undefined. */
  async lookup(subject: string, schema: string): Promise<RegisteredSchema | undefined> {
    try {
      return await this.call('POST', `/subjects/${encodeURIComponent(subject)}`, { schema });
    } catch (error) {
      if (error instanceof RegistryError && error.status === 404) return undefined;
      throw error;
    }
  }

  async register(subject: string, schema: string): Promise<{ id: number }> {
    return this.call('POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schema });
  }

  /** The subject's own compatibility level, or undefined when it follows the global default. */
  async subjectCompatibility(subject: string): Promise<string | undefined> {
    try {
      const config = await this.call<{ compatibilityLevel?: string; compatibility?: string }>(
        'GET',
        `/config/${encodeURIComponent(subject)}`,
      );
      return config.compatibilityLevel ?? config.compatibility;
    } catch (error) {
      if (error instanceof RegistryError && error.status === 404) return undefined;
      throw error;
    }
  }

  async setSubjectCompatibility(subject: string, compatibility: string): Promise<void> {
    await this.call('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility });
  }

  /** Whether the schema may be registered under the subject at its compatibility level. */
  async checkCompatibility(subject: string, schema: string): Promise<CompatibilityResult> {
    const result = await this.call<{ is_compatible: boolean; messages?: string[] }>(
      'POST',
      `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest?verbose=true`,
      { schema },
    );
    return { compatible: result.is_compatible, messages: result.messages ?? [] };
  }

  schemaById(id: number): Promise<{ schema: string }> {
    return this.call('GET', `/schemas/ids/${id}`);
  }

  /** Every (subject, version) holding the schema of this id (an id is shared by equal texts). */
  subjectVersionsOfId(id: number): Promise<{ subject: string; version: number }[]> {
    return this.call('GET', `/schemas/ids/${id}/versions`);
  }
}
