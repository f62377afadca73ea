/** One dependency or precondition /readyz reports on. */
export interface ReadinessCheck {
  readonly name: string;
  /** True when ready; a string explains why not. */
  readonly check: () => true | string | Promise<true | string>;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: Record<string, 'ok' | string>;
}

/** Runs every check; a check that throws counts as not ready, with its message. */
export async function runReadinessChecks(
  checks: readonly ReadinessCheck[],
): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      try {
        const result = await check();
        return [name, result === true ? 'ok' : result] as const;
      } catch (error) {
        return [name, error instanceof Error ? error.message : String(error)] as const;
      }
    }),
  );
  return {
    ready: results.every(([, result]) => result === 'ok'),
    checks: Object.fromEntries(results),
  };
}
