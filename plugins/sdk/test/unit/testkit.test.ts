import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { definePlugin, type FaultScenario, factEvidence, faultName, type MiddlewarePlugin } from '../../src/index.ts';
import {
  assertNotFired,
  collectRejects,
  collectTimesOut,
  duringFault,
  factValue,
  faultById,
  faultNamed,
  matchesLogPattern,
  withSilentServer,
} from '../../src/testkit.ts';

function plugin(collect: MiddlewarePlugin<number>['connector']['collect']): MiddlewarePlugin<number> {
  return definePlugin<number>({
    id: 'demo',
    displayName: 'Demo',
    category: 'cache',
    discovery: { query: 'demo_up' },
    signals: [],
    logs: { serviceType: 'demo', notable: [{ id: 'oom', pattern: 'out of memory', meaning: 'no memory left' }] },
    rules: [],
    connector: { defaultUrl: (address) => `demo://${address}`, collect },
    actions: [],
  });
}

describe('testkit', () => {
  it('faultById finds a scenario and fails naming a missing one', () => {
    const faults: FaultScenario[] = [{ id: 'slow', title: 'Slow', fires: [], inject: async () => async () => {} }];
    assert.equal(faultById(faults, 'slow').title, 'Slow');
    assert.throws(() => faultById(faults, 'fast'), /no fault scenario fast/);
  });

  it('faultNamed finds the one name a scenario made for a role', () => {
    const backlog = faultName('backlog');
    const names = [backlog, backlog, faultName('capped'), 'orders', `${faultName('stalled')}-group`];
    assert.equal(faultNamed(names, 'backlog'), backlog);
    assert.match(faultNamed(names, 'stalled', '-group'), /-stalled-group$/);
    assert.throws(() => faultNamed(names, 'missing'));
    assert.throws(() => faultNamed([faultName('twice'), faultName('twice')], 'twice'));
  });

  it('factValue reads fact evidence and fails naming a missing fact', () => {
    const evidence = [factEvidence('max_connections', 100), factEvidence('replica', null)];
    assert.equal(factValue(evidence, 'max_connections'), 100);
    assert.equal(factValue(evidence, 'replica'), null);
    assert.throws(() => factValue(evidence, 'uptime'), /no fact evidence named "uptime"/);
    assert.throws(() => factValue(undefined, 'uptime'), /no fact evidence named "uptime"/);
  });

  it('matchesLogPattern matches case-insensitively and fails for an unknown pattern', () => {
    const demo = plugin(async () => 1);
    assert.ok(matchesLogPattern(demo, 'oom', 'FATAL: Out of memory'));
    assert.ok(!matchesLogPattern(demo, 'oom', 'memory is fine'));
    assert.throws(() => matchesLogPattern(demo, 'nope', 'x'), /no notable log pattern nope/);
  });

  it('assertNotFired fails naming what fired', () => {
    assertNotFired(['a', 'b'], ['c']);
    assert.throws(() => assertNotFired(['a', 'b'], ['b', 'c']), /fired: a, b/);
  });

  it('collectRejects checks the message and that the password stays out of it', async () => {
    const url = 'demo://user:s3cret@127.0.0.1:1';
    const refused = plugin(async () => Promise.reject(new Error('Demo 127.0.0.1:1: refused')));
    const error = await collectRejects(refused, url, /^Demo 127\.0\.0\.1:1: refused$/);
    assert.equal(error.message, 'Demo 127.0.0.1:1: refused');
    await assert.rejects(collectRejects(refused, url, /timed out/));
    const leaky = plugin(async (target) => Promise.reject(new Error(`cannot reach ${target.url}`)));
    await assert.rejects(collectRejects(leaky, url, /cannot reach/), /shows the password/);
    await assert.rejects(
      collectRejects(
        plugin(async () => 1),
        url,
        /./,
      ),
      /should have failed/,
    );
  });

  it('collectTimesOut checks that collecting from a silent server gives up in time', async () => {
    const slow = plugin(
      (target, { timeoutMs }) =>
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error(`Demo ${target.instance.name}: timed out`)), timeoutMs),
        ),
    );
    const urlAt = (port: number) => `demo://u:s3cret@127.0.0.1:${port}`;
    const messageAt = (port: number) => new RegExp(`^Demo 127\\.0\\.0\\.1:${port}: timed out$`);
    await collectTimesOut(slow, urlAt, messageAt, { timeoutMs: 20, withinMs: 2_000 });
    await assert.rejects(collectTimesOut(slow, urlAt, messageAt, { timeoutMs: 200, withinMs: 50 }), /took \d+ ms/);
  });

  it('duringFault shows what the rules see while the fault is in place, and undoes it', async () => {
    const events: string[] = [];
    const fault: FaultScenario = {
      id: 'hot',
      title: 'Hot',
      fires: ['hot'],
      inject: async () => {
        events.push('inject');
        return async () => {
          events.push('undo');
        };
      },
    };
    const demo = definePlugin<number>({
      ...plugin(async () => {
        events.push('collect');
        return 3;
      }),
      rules: [
        {
          id: 'hot',
          title: 'Hot',
          severity: 'warning',
          faultClass: 'resource-saturation',
          signals: [],
          actions: [],
          evaluate: ({ facts, instance }) =>
            facts === 3 ? { explanation: `hot at ${instance.name}`, evidence: [factEvidence('level', facts)] } : null,
        },
      ],
    });
    const seen = await duringFault(demo, fault, 'demo://127.0.0.1:7', (during) => {
      events.push('check');
      return during;
    });
    assert.deepEqual(events, ['inject', 'collect', 'check', 'undo']);
    assert.equal(seen.facts, 3);
    assert.deepEqual(seen.fired, ['hot']);
    assert.equal(seen.findings[0]?.explanation, 'hot at 127.0.0.1:7');
    await assert.rejects(
      duringFault(demo, fault, 'demo://127.0.0.1:7', () => {
        throw new Error('check failed');
      }),
      /check failed/,
    );
    assert.equal(events.at(-1), 'undo');
  });

  it('withSilentServer accepts connections that never get an answer, and closes after', async () => {
    const port = await withSilentServer(async (port) => {
      const socket = connect(port, '127.0.0.1');
      await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      const answered = await Promise.race([
        new Promise((resolve) => socket.once('data', () => resolve(true))),
        new Promise((resolve) => setTimeout(() => resolve(false), 50)),
      ]);
      socket.destroy();
      assert.equal(answered, false);
      return port;
    });
    assert.ok(port > 0);
  });
});
