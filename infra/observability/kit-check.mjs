// Turns every query of the Grafana dashboard into a recording rule (Grafana's variables replaced
// by plain values), so that promtool can parse it, and checks that every tally_* metric named by
// the alert rules or the dashboard is in the catalogue of docs/adr/0011.
// Usage: node kit-check.mjs [rules file to write]  (CI runs it without promtool, and so without
// the file; check.sh parses the file's queries with promtool)
import { readFileSync, writeFileSync } from 'node:fs';

const here = new URL('.', import.meta.url);
const dashboard = JSON.parse(readFileSync(new URL('grafana/tally-services.json', here), 'utf8'));
const alerts = readFileSync(new URL('prometheus/alerts.yml', here), 'utf8');
const catalogue = readFileSync(new URL('../../docs/adr/0011-metric-names.md', here), 'utf8');

const problems = [];
const ids = new Set();
const queries = [];
for (const panel of dashboard.panels) {
  if (ids.has(panel.id)) problems.push(`panel id ${panel.id} is used twice`);
  ids.add(panel.id);
  for (const target of panel.targets ?? []) {
    if (target.datasource?.uid !== '${datasource}') {
      problems.push(
        `panel "${panel.title}" target ${target.refId} does not use the datasource variable`,
      );
    }
    queries.push({ panel: panel.title, expr: target.expr });
  }
}

const rules = queries.map(({ panel, expr }, i) => {
  const plain = expr.replaceAll('$__rate_interval', '5m').replaceAll('$service', '.*');
  if (plain.includes('$')) problems.push(`panel "${panel}" uses an unknown variable: ${expr}`);
  return `      - record: dashboard:query_${i}\n        expr: ${JSON.stringify(plain)}\n`;
});
if (process.argv[2] !== undefined) {
  writeFileSync(process.argv[2], `groups:\n  - name: dashboard\n    rules:\n${rules.join('')}`);
}

// Histogram series names end in _bucket, _count or _sum; the catalogue names the histogram.
const used = new Set(
  [...`${alerts}\n${queries.map((q) => q.expr).join('\n')}`.matchAll(/\btally_[a-z0-9_]+/g)].map(
    ([name]) => name.replace(/_(bucket|count|sum)$/, ''),
  ),
);
for (const name of used) {
  if (!catalogue.includes(`\`${name}\``))
    problems.push(`${name} is not in docs/adr/0011's catalogue`);
}

if (problems.length > 0) {
  for (const problem of problems) console.error(`kit-check: ${problem}`);
  process.exit(1);
}
console.log(
  `kit-check: ${queries.length} dashboard queries, ${used.size} tally metrics, all catalogued`,
);
