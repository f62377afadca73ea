/**
 * The sum of a Prometheus counter over all its label sets, scraped from a service's `/metrics`
 * (0 while the service does not answer yet): how benchmarks follow a service process's progress.
 */
export async function scrapeCounter(baseUrl: string, name: string): Promise<number> {
  const text = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5_000) })
    .then((res) => res.text())
    .catch(() => '');
  const pattern = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'gm');
  let sum = 0;
  for (const match of text.matchAll(pattern)) sum += Number(match[1]);
  return sum;
}
