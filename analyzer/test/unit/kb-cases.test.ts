/**
 * The fault cases the plugins ship: every file is a valid case of its own plugin, named by its id, naming
 * only signals, rules and actions that plugin has; ids are unique; each plugin ships at least 25.
 * Also the loader's own checks, on files written here.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FAULT_CLASSES } from '@kubestack/plugin-sdk';
import { parseCase, referenceProblems } from '../../src/kb/case-checks.ts';
import { casesFolder, loadShippedCases, type ShippedCases } from '../../src/kb/plugin-cases.ts';
import { PLUGINS } from '../../src/plugins/registry.ts';
import { probePlugin } from '../support.ts';

const MIN_PER_PLUGIN = 25;
const MIN_TOTAL = 150;

describe('shipped fault cases', () => {
  let shipped: ShippedCases;
  before(async () => {
    shipped = await loadShippedCases(PLUGINS);
  });

  it('every plugin of the registry has a cases folder', () => {
    for (const plugin of PLUGINS) {
      const folder = casesFolder(plugin.id);
      assert.ok(folder, `${plugin.id}: no package folder`);
      assert.doesNotThrow(() => readdirSync(folder), `${plugin.id}: cannot read ${folder}`);
    }
  });

  it('every case file validates, sits in its plugin, is named by its id and names only what its plugin has', () => {
    const report = shipped.problems.map(({ file, problems }) => `${file}\n    ${problems.join('\n    ')}`);
    assert.deepEqual(report, [], `case files with problems:\n  ${report.join('\n  ')}`);
  });

  it('ids are unique across plugins', () => {
    const ids = shipped.cases.map((faultCase) => faultCase.id);
    assert.equal(new Set(ids).size, ids.length);
  });

  it(`each plugin ships at least ${MIN_PER_PLUGIN} cases, ${MIN_TOTAL} in all`, () => {
    const short = Object.entries(shipped.counts).filter(([, count]) => count < MIN_PER_PLUGIN);
    const total = shipped.cases.length;
    assert.deepEqual(
      short,
      [],
      `plugins under ${MIN_PER_PLUGIN} cases: ${short.map(([id, count]) => `${id} ${count}`).join(', ')}`,
    );
    assert.ok(total >= MIN_TOTAL, `${total} cases in all, fewer than ${MIN_TOTAL}`);
  });
});

describe('case checks', () => {
  const valid = {
    id: 'probe-target-down',
    middleware: 'probe',
    title: 'The target is down',
    faultClass: 'availability',
    symptoms: ['Prometheus shows the target down'],
    signals: [{ signal: 'up', direction: 'down' }],
    rules: ['always'],
    rootCause: 'The process stopped.',
    remediation: 'Start it again.',
    version: 1,
  };

  it('fills the defaults of a valid case', () => {
    const result = parseCase(valid);
    assert.ok('case' in result, JSON.stringify(result));
    assert.deepEqual(result.case.actions, []);
    assert.deepEqual(result.case.logPatterns, []);
    assert.deepEqual(result.case.references, []);
  });

  it('names each field that breaks the schema, once', () => {
    const result = parseCase({ ...valid, id: 'X', faultClass: 'meltdown', symptoms: [], color: 'red' });
    assert.ok('problems' in result);
    assert.deepEqual(result.problems.sort(), [
      '(case): unknown field "color"',
      `/faultClass: must be one of ${FAULT_CLASSES.join(', ')}`,
      '/id: must match pattern "^[a-z0-9][a-z0-9-]{2,80}$"',
      '/symptoms: must not have fewer than 1 items',
    ]);
  });

  it('names signals, rules and actions the plugin lacks, and an unknown middleware', () => {
    const parsed = parseCase({
      ...valid,
      signals: [
        { signal: 'up', direction: 'down' },
        { signal: 'latency', direction: 'up' },
      ],
      rules: ['always', 'never'],
      actions: ['restart'],
    });
    assert.ok('case' in parsed);
    assert.deepEqual(referenceProblems(parsed.case, [probePlugin]), [
      '/signals/1/signal: probe has no signal "latency"',
      '/rules/1: probe has no rule "never"',
      '/actions/0: probe has no action "restart"',
    ]);
    assert.match(
      referenceProblems({ ...parsed.case, middleware: 'oracle' }, [probePlugin])[0] ?? '',
      /^\/middleware: no plugin "oracle" is installed \(probe\)$/,
    );
  });

  describe('loading a cases folder', () => {
    let folder: string;
    let loaded: ShippedCases;
    before(async () => {
      folder = mkdtempSync(join(tmpdir(), 'ksa-cases-'));
      const yaml = (fields: Record<string, unknown>) => JSON.stringify({ ...valid, ...fields });
      writeFileSync(join(folder, 'probe-target-down.yaml'), yaml({}));
      writeFileSync(join(folder, 'probe-renamed.yaml'), yaml({ id: 'probe-other-name' }));
      writeFileSync(join(folder, 'probe-foreign.yaml'), yaml({ id: 'probe-foreign', middleware: 'redis' }));
      writeFileSync(join(folder, 'probe-bad-action.yaml'), yaml({ id: 'probe-bad-action', actions: ['reboot'] }));
      writeFileSync(join(folder, 'probe-broken.yaml'), 'id: [unclosed');
      writeFileSync(join(folder, 'notes.txt'), 'not a case');
      loaded = await loadShippedCases([probePlugin], () => folder);
    });
    after(() => rmSync(folder, { recursive: true, force: true }));

    it('keeps the valid case and counts it', () => {
      assert.deepEqual(
        loaded.cases.map((faultCase) => faultCase.id),
        ['probe-target-down'],
      );
      assert.deepEqual(loaded.counts, { probe: 1 });
    });

    it('reports every other file with what is wrong', () => {
      const byFile = Object.fromEntries(
        loaded.problems.map(({ file, problems }) => [file.split('/').at(-1), problems.join('; ')]),
      );
      assert.deepEqual(Object.keys(byFile).sort(), [
        'probe-bad-action.yaml',
        'probe-broken.yaml',
        'probe-foreign.yaml',
        'probe-renamed.yaml',
      ]);
      assert.match(byFile['probe-bad-action.yaml'] ?? '', /\/actions\/0: probe has no action "reboot"/);
      assert.match(byFile['probe-broken.yaml'] ?? '', /^cannot read: /);
      assert.match(byFile['probe-foreign.yaml'] ?? '', /\/middleware: no plugin "redis" is installed/);
      assert.match(byFile['probe-renamed.yaml'] ?? '', /\/id: "probe-other-name" but the file is named/);
    });
  });
});
