// The Grafana dashboard and the Prometheus alerting rules under deploy/: every PromQL expression
// parses, and names only metrics the platform exposes (tests/platform-metrics.ts, which the
// end-to-end metrics test checks against the services' /metrics).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parser } from '@prometheus-io/lezer-promql';
import { parse as parseYaml } from 'yaml';
import { platformMetricFamilies, seriesNamesOf } from '../platform-metrics.ts';

const repo = join(import.meta.dirname, '..', '..');

/** Series Prometheus makes itself, not the services. */
const prometheusSeries = new Set(['up']);

const known = new Set([...prometheusSeries, ...[...platformMetricFamilies].flatMap(seriesNamesOf)]);

// Grafana's variables are not PromQL: stand-ins of the same kind.
const withoutGrafanaVariables = (expr: string) =>
  expr.replaceAll('$__rate_interval', '5m').replaceAll('$__interval', '1m').replaceAll('$job', '.*');

/** The syntax errors of a PromQL expression (their offsets), and the metric names it selects. */
function readPromQl(expr: string): { errors: number[]; metrics: string[] } {
  const errors: number[] = [];
  const metrics: string[] = [];
  const cursor = parser.parse(expr).cursor();
  do {
    if (cursor.type.isError) errors.push(cursor.from);
    if (cursor.name === 'Identifier' && cursor.node.parent?.name === 'VectorSelector') {
      metrics.push(expr.slice(cursor.from, cursor.to));
    }
  } while (cursor.next());
  return { errors, metrics };
}

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
}

const rulesFile = parseYaml(readFileSync(join(repo, 'deploy/prometheus/alerts.yaml'), 'utf8')) as {
  groups: { name: string; rules: Rule[] }[];
};
const dashboard = JSON.parse(readFileSync(join(repo, 'deploy/grafana/notes-platform.json'), 'utf8')) as {
  panels: { title: string; targets?: { expr: string }[] }[];
};

const expressions = [
  ...rulesFile.groups.flatMap((group) =>
    group.rules.map((rule) => ({ where: `rule ${rule.alert ?? rule.record}`, expr: rule.expr })),
  ),
  ...dashboard.panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      where: `panel "${panel.title}"`,
      expr: withoutGrafanaVariables(target.expr),
    })),
  ),
];

test('the reader finds syntax errors and the metrics an expression selects', () => {
  assert.deepEqual(readPromQl('sum by (job) (rate(a_total{x="1"}[5m])) / on() b'), {
    errors: [],
    metrics: ['a_total', 'b'],
  });
  assert.ok(readPromQl('sum(rate(a_total[5m])').errors.length > 0);
  assert.ok(readPromQl('a_total{x=}').errors.length > 0);
});

test('the rules hold the documented alerts, and the dashboard its panels', () => {
  const alerts = rulesFile.groups.flatMap((group) => group.rules.map((rule) => rule.alert));
  for (const alert of [
    'NotesServiceDown',
    'NotesApiErrorBudgetBurnFast',
    'NotesApiErrorBudgetBurnSlow',
    'NotesOutboxBacklogGrowing',
    'NotesSagaStuckPastDeadline',
    'NotesDeadLetters',
    'NotesRetentionPurgeFailing',
    'NotesDeliveryNotProven',
    'NotesDeliveryReconciliationFailing',
  ]) {
    assert.ok(alerts.includes(alert), `alert ${alert}`);
  }
  assert.ok(expressions.length > 30, 'the dashboard has its panels');
});

test('every PromQL expression of the rules and the dashboard parses', () => {
  const broken = expressions
    .map(({ where, expr }) => ({ where, expr, errors: readPromQl(expr).errors }))
    .filter((parsed) => parsed.errors.length > 0);
  assert.deepEqual(broken, []);
});

test('every metric the rules and the dashboard name is one the platform exposes', () => {
  const unknown = expressions.flatMap(({ where, expr }) =>
    readPromQl(expr)
      .metrics.filter((metric) => !known.has(metric))
      .map((metric) => `${where}: ${metric}`),
  );
  assert.deepEqual(unknown, []);
});
