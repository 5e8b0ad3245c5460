import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanupStack, faultName, induceFault } from '../../src/index.ts';

describe('cleanupStack', () => {
  it('undoes last registered first, once', async () => {
    const done: string[] = [];
    const cleanup = cleanupStack('Demo fault');
    cleanup.add(() => done.push('drop table'));
    cleanup.add(async () => {
      done.push('close session');
    });
    await cleanup.undo();
    await cleanup.undo();
    assert.deepEqual(done, ['close session', 'drop table']);
  });

  it('attempts every step and reports all failures together', async () => {
    const done: string[] = [];
    const cleanup = cleanupStack('Demo fault x');
    cleanup.add(() => done.push('first'));
    cleanup.add(() => {
      throw new Error('restore failed');
    });
    cleanup.add(async () => {
      throw new Error('close failed');
    });
    const failure = await cleanup.undo().then(
      () => assert.fail('undo should reject'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof AggregateError);
    assert.equal(failure.message, 'Demo fault x: undo failed');
    assert.deepEqual(
      failure.errors.map((error: Error) => error.message),
      ['close failed', 'restore failed'],
    );
    assert.deepEqual(done, ['first']);
    assert.equal(await cleanup.undo().catch((error: unknown) => error), failure, 'a second call gets the same result');
  });

  it('a concurrent second undo waits for the first', async () => {
    let finished = false;
    const cleanup = cleanupStack('Demo fault');
    cleanup.add(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      finished = true;
    });
    void cleanup.undo();
    await cleanup.undo();
    assert.ok(finished);
  });
});

describe('induceFault', () => {
  it('returns the undo of what setup registered', async () => {
    const done: string[] = [];
    const undo = await induceFault('Demo fault', async (cleanup) => {
      cleanup.add(() => done.push('undo a'));
      cleanup.add(() => done.push('undo b'));
    });
    assert.deepEqual(done, []);
    await undo();
    assert.deepEqual(done, ['undo b', 'undo a']);
  });

  it('undoes a half-failed inject and rejects saying which fault failed', async () => {
    const done: string[] = [];
    const failure = await induceFault('Demo fault lock', async (cleanup) => {
      cleanup.add(() => done.push('undo a'));
      throw new Error('the server refused');
    }).then(
      () => assert.fail('inject should reject'),
      (error: unknown) => error as Error,
    );
    assert.equal(failure.message, 'Demo fault lock: inject failed: the server refused');
    assert.equal((failure.cause as Error).message, 'the server refused');
    assert.deepEqual(done, ['undo a']);
  });

  it('rejects with what `failed` makes of the error', async () => {
    const original = new Error('Demo fault: cannot connect');
    await assert.rejects(
      induceFault('Demo fault', async () => Promise.reject(original), { failed: (error) => error }),
      (error) => error === original,
    );
  });

  it('reports a failed undo after a failed inject together with the inject error', async () => {
    const failure = await induceFault('Demo fault', async (cleanup) => {
      cleanup.add(() => {
        throw new Error('drop failed');
      });
      throw new Error('create failed');
    }).then(
      () => assert.fail('inject should reject'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof AggregateError);
    assert.equal(failure.message, 'Demo fault: inject failed: create failed; undo failed too');
    assert.equal(failure.errors[0].message, 'Demo fault: inject failed: create failed');
    assert.equal(failure.errors[1].message, 'Demo fault: undo failed');
  });
});

describe('faultName', () => {
  it('names with a random part and the role', () => {
    const name = faultName('backlog');
    assert.match(name, /^kubestack-fault-[0-9a-f]{8}-backlog$/);
    assert.notEqual(faultName('backlog'), name);
  });
});
