// The version numbers that move together: a release bumps the root package.json, the Helm chart
// (version and appVersion, the default image tag) and the OpenAPI document's info.version at once.
// The BFF reads its version from the root package.json; the checked-in openapi.json must follow.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';

const root = resolve(import.meta.dirname, '../..');
const readJson = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8'));

const packageVersion: string = readJson('package.json').version;
const chart = parse(readFileSync(join(root, 'deploy/helm/notes-platform/Chart.yaml'), 'utf8')) as {
  version: string;
  appVersion: string;
};

test('the root package.json has a semantic version', () => {
  assert.match(packageVersion, /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
});

test('the Helm chart has the version of the root package.json', () => {
  assert.equal(chart.appVersion, packageVersion, 'Chart.yaml appVersion');
  assert.equal(chart.version, packageVersion, 'Chart.yaml version');
});

test('the checked-in OpenAPI document has the version of the root package.json', () => {
  const openApi = readJson('services/bff-rest/openapi/openapi.json');
  assert.equal(
    openApi.info.version,
    packageVersion,
    'openapi.json info.version: run `npm run openapi -w services/bff-rest`',
  );
});
