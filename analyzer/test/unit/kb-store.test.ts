/**
 * The knowledge base's storage on a real embedded LanceDB: idempotent upserts, the highest version winning
 * (also over a restart that brings an older shipped file), writes that must not duplicate, full-text search
 * with filters, and an unusable location. Plus the pure parts: reciprocal-rank fusion and the indexed text.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, Index } from '@lancedb/lancedb';
import type { FaultCase } from '../../src/kb/case.ts';
import { reciprocalRankFusion } from '../../src/kb/fusion.ts';
import {
  CaseConflictError,
  CaseNotFoundError,
  KnowledgeBase,
  KnowledgeBaseUnavailableError,
} from '../../src/kb/knowledge-base.ts';
import { fullTextOf, identifierWords } from '../../src/kb/search-text.ts';
import { CaseStore } from '../../src/kb/store.ts';
import { CLOSED_URL, probePlugin } from '../support.ts';

const root = mkdtempSync(join(tmpdir(), 'ksa-kb-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let folders = 0;
const freshFolder = () => join(root, `kb-${++folders}`);

function probeCase(id: string, fields: Partial<FaultCase> = {}): FaultCase {
  return {
    id,
    middleware: 'probe',
    title: `Probe case ${id}`,
    faultClass: 'availability',
    symptoms: ['the probe target is reported down'],
    signals: [{ signal: 'up', direction: 'down' }],
    logPatterns: [],
    rules: [],
    rootCause: 'The process stopped.',
    remediation: 'Start it again.',
    actions: [],
    references: [],
    version: 1,
    ...fields,
  };
}

/** The cases table as LanceDB holds it, and its dataset version. */
async function rawTable(folder: string) {
  const db = await connect(folder);
  const table = await db.openTable('cases');
  const rows = await table.query().select(['id', 'version', 'doc']).toArray();
  const version = await table.version();
  table.close();
  db.close();
  return { rows: rows.map((row) => ({ ...row })).sort((a, b) => (a.id < b.id ? -1 : 1)), version };
}

describe('reciprocal-rank fusion', () => {
  it('sums 1 / (60 + rank) over the retrievers that found each case', () => {
    const fused = reciprocalRankFusion([
      { retriever: 'fulltext', ids: ['a', 'b', 'c'] },
      { retriever: 'vector', ids: ['c', 'a', 'd'] },
    ]);
    assert.deepEqual(
      fused.map((hit) => hit.id),
      ['a', 'c', 'b', 'd'],
    );
    assert.equal(fused[0]?.score, 1 / 61 + 1 / 62);
    assert.equal(fused[1]?.score, 1 / 63 + 1 / 61);
    assert.deepEqual(fused[1]?.ranks, { fulltext: 3, vector: 1 });
    assert.equal(fused[3]?.score, 1 / 63);
  });

  it('breaks ties by the better single rank, then by id, and counts a repeated id once', () => {
    const fused = reciprocalRankFusion([
      { retriever: 'fulltext', ids: ['x', 'y', 'x'] },
      { retriever: 'vector', ids: ['y', 'x'] },
    ]);
    assert.deepEqual(
      fused.map((hit) => [hit.id, hit.ranks]),
      [
        ['x', { fulltext: 1, vector: 2 }],
        ['y', { fulltext: 2, vector: 1 }],
      ],
    );
  });
});

describe('indexed text', () => {
  it('spells out the words of identifiers', () => {
    assert.equal(
      identifierWords('org.apache.kafka.common.errors.NotLeaderOrFollowerException and IOException, not OOM'),
      'not leader or follower exception io exception',
    );
  });

  it('holds every field describing the fault once, and not the remediation', () => {
    const text = fullTextOf(
      probeCase('probe-fields', {
        title: 'Alpha title',
        symptoms: ['Beta symptom'],
        logPatterns: ['Gamma line'],
        signals: [{ signal: 'up', direction: 'down', note: 'Delta note' }],
        rootCause: 'Epsilon cause',
        remediation: 'Zeta remedy',
      }),
    );
    const count = (words: string) => text.split(words).length - 1;
    for (const words of [
      'Alpha title',
      'Beta symptom',
      'Gamma line',
      'Delta note',
      'Epsilon cause',
      'probe availability',
    ]) {
      assert.equal(count(words), 1, words);
    }
    assert.equal(count('Zeta remedy'), 0);
  });
});

describe('case store', () => {
  let folder: string;
  let store: CaseStore;
  before(async () => {
    folder = freshFolder();
    store = await CaseStore.open(folder);
  });
  after(() => store.close());

  it('upserts the same input twice into the same rows, writing nothing the second time', async () => {
    const cases = [probeCase('probe-a'), probeCase('probe-b'), probeCase('probe-c')];
    const first = await store.upsert(cases);
    assert.deepEqual(first, { inserted: ['probe-a', 'probe-b', 'probe-c'], updated: [], diverged: [] });
    const before = await rawTable(folder);
    const second = await store.upsert(cases);
    assert.deepEqual(second, { inserted: [], updated: [], diverged: [] });
    const afterwards = await rawTable(folder);
    assert.deepEqual(afterwards.rows, before.rows);
    assert.equal(afterwards.version, before.version, 'the second upsert must not write a new dataset version');
    assert.equal(afterwards.rows.length, 3);
  });

  it('keeps the highest version: newer replaces, older and equal do not', async () => {
    const newer = probeCase('probe-a', { title: 'Probe case a, revised', version: 2 });
    assert.deepEqual((await store.upsert([newer])).updated, ['probe-a']);
    const older = probeCase('probe-a', { title: 'Probe case a, outdated', version: 1 });
    const equal = probeCase('probe-a', { title: 'Probe case a, edited without a new version', version: 2 });
    assert.deepEqual(await store.upsert([older]), { inserted: [], updated: [], diverged: [] });
    assert.deepEqual(await store.upsert([equal]), { inserted: [], updated: [], diverged: ['probe-a'] });
    assert.deepEqual(await store.get('probe-a'), newer);
  });

  it('takes the highest of several versions of one id in a single upsert', async () => {
    const report = await store.upsert([
      probeCase('probe-d', { version: 3, title: 'Probe d three' }),
      probeCase('probe-d', { version: 5, title: 'Probe d five' }),
      probeCase('probe-d', { version: 4, title: 'Probe d four' }),
    ]);
    assert.deepEqual(report.inserted, ['probe-d']);
    assert.equal((await store.get('probe-d'))?.title, 'Probe d five');
    assert.equal((await rawTable(folder)).rows.filter((row) => row.id === 'probe-d').length, 1);
  });

  it('inserts a new id once, and replaces only with a higher version', async () => {
    assert.equal(await store.insert(probeCase('probe-e')), true);
    assert.equal(await store.insert(probeCase('probe-e', { title: 'Probe e duplicate' })), false);
    assert.equal((await store.get('probe-e'))?.title, 'Probe case probe-e');
    assert.deepEqual(await store.replace(probeCase('probe-e', { version: 1 })), { stale: 1 });
    assert.equal(await store.replace(probeCase('probe-e', { version: 2, title: 'Probe e two' })), 'replaced');
    assert.equal(await store.replace(probeCase('probe-zzz', { version: 9 })), 'missing');
    assert.equal((await store.get('probe-e'))?.title, 'Probe e two');
  });

  it('searches full text, newly written cases included, and filters by middleware and fault class', async () => {
    await store.upsert([
      probeCase('probe-disk', {
        title: 'Volume full',
        faultClass: 'disk-pressure',
        symptoms: ['writes fail with No space left on device'],
        logPatterns: ['ENOSPC: no space left on device, write'],
      }),
    ]);
    assert.equal((await store.fullText('no space left on device', {}, 3))[0], 'probe-disk');
    assert.deepEqual(await store.fullText('no space left on device', { faultClass: 'availability' }, 10), []);
    assert.deepEqual(await store.fullText('no space left on device', { middleware: 'redis' }, 10), []);
    const listed = await store.list({ faultClass: 'disk-pressure' }, 10);
    assert.deepEqual(
      listed.cases.map((found) => found.id),
      ['probe-disk'],
    );
    const all = await store.list({}, 2);
    assert.equal(all.total, 6);
    assert.deepEqual(
      all.cases.map((found) => found.id),
      ['probe-a', 'probe-b'],
    );
  });
});

describe('case store written by an older version', () => {
  it('rewrites stale indexed text and replaces a full-text index built with other settings', async () => {
    const folder = freshFolder();
    const first = await CaseStore.open(folder);
    await first.upsert([probeCase('probe-old', { title: 'Capybara stampede' })]);
    first.close();
    // What an older release might have left: other indexed text, and an index under another name.
    const db = await connect(folder);
    const table = await db.openTable('cases');
    await table.update({ values: { text: 'nothing useful' } });
    for (const index of await table.listIndices()) await table.dropIndex(index.name);
    await table.createIndex('text', { config: Index.fts(), name: 'text_fts_old' });
    table.close();
    db.close();

    const reopened = await CaseStore.open(folder);
    try {
      assert.deepEqual(await reopened.fullText('capybara', {}, 3), ['probe-old']);
      const raw = await connect(folder);
      const after = await raw.openTable('cases');
      const names = (await after.listIndices()).map((index) => index.name);
      const [row] = await after.query().select(['text']).toArray();
      after.close();
      raw.close();
      assert.equal(names.length, 1);
      assert.match(names[0] ?? '', /^text_fts_[0-9a-f]+$/);
      assert.notEqual(names[0], 'text_fts_old');
      assert.equal(row?.text, fullTextOf(probeCase('probe-old', { title: 'Capybara stampede' })));
    } finally {
      reopened.close();
    }
  });
});

describe('knowledge base', () => {
  let casesDir: string;
  const shipped = (version: number, title: string) =>
    writeFileSync(join(casesDir, 'probe-shipped.yaml'), JSON.stringify(probeCase('probe-shipped', { version, title })));
  before(() => {
    casesDir = join(root, 'shipped-cases');
    mkdirSync(casesDir, { recursive: true });
  });

  it("keeps an operator's update over the older file a plugin ships, at the next start", async () => {
    const uri = freshFolder();
    const options = { uri, plugins: [probePlugin], casesFolderOf: () => casesDir };
    shipped(1, 'As shipped');
    const first = KnowledgeBase.open(options);
    assert.deepEqual((await first.ready()).upsert.inserted, ['probe-shipped']);
    await first.update(probeCase('probe-shipped', { version: 2, title: 'As the operator wrote it' }));
    await assert.rejects(first.update(probeCase('probe-shipped', { version: 2 })), CaseConflictError);
    await assert.rejects(first.update(probeCase('probe-unknown', { version: 2 })), CaseNotFoundError);
    await assert.rejects(first.add(probeCase('probe-shipped', { version: 7 })), CaseConflictError);
    await first.close();

    const second = KnowledgeBase.open(options);
    const report = await second.ready();
    assert.deepEqual(report.upsert, { inserted: [], updated: [], diverged: [] });
    assert.equal((await second.get('probe-shipped'))?.title, 'As the operator wrote it');
    await second.close();

    shipped(3, 'Shipped again, newer');
    const third = KnowledgeBase.open(options);
    assert.deepEqual((await third.ready()).upsert.updated, ['probe-shipped']);
    assert.equal((await third.get('probe-shipped'))?.title, 'Shipped again, newer');
    await third.close();
  });

  it('reports a location it cannot open as unavailable, naming the knowledge base', async () => {
    const notAFolder = join(root, 'a-file');
    writeFileSync(notAFolder, 'not a folder');
    const kb = KnowledgeBase.open({ uri: join(notAFolder, 'kb'), plugins: [probePlugin] });
    await assert.rejects(kb.ready(), (error: Error) => {
      assert.ok(error instanceof KnowledgeBaseUnavailableError);
      assert.match(error.message, /^knowledge base: cannot open .*a-file\/kb: /);
      return true;
    });
    await assert.rejects(kb.search('anything', { limit: 3 }), KnowledgeBaseUnavailableError);
    await kb.close();
  });

  it("keeps LanceDB's native log off stderr, even while an object store fails", () => {
    // A child process: the native logger reads its level once, when the library loads.
    const store = new URL('../../src/kb/store.ts', import.meta.url).href;
    const code = `const { CaseStore } = await import(${JSON.stringify(store)});
      await CaseStore.open('s3://kubestack-kb/quiet').then(() => process.exit(3), (error) => console.log(error.message));`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_ENDPOINT: CLOSED_URL,
      AWS_ALLOW_HTTP: 'true',
      AWS_ACCESS_KEY_ID: 'test-key-id',
      AWS_SECRET_ACCESS_KEY: 'test-secret',
      AWS_REGION: 'us-east-1',
    };
    delete env.LANCEDB_LOG;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', env });
    assert.equal(child.status, 0, child.stderr);
    assert.match(child.stdout, /^knowledge base: cannot open s3:\/\/kubestack-kb\/quiet: /);
    assert.equal(child.stderr, '');
  });

  it('opens on a later call once the location becomes usable', async () => {
    const blocker = join(root, 'blocker');
    writeFileSync(blocker, 'in the way');
    const kb = KnowledgeBase.open({ uri: join(blocker, 'kb'), plugins: [probePlugin], reopenAfterMs: 0 });
    try {
      await assert.rejects(kb.ready(), KnowledgeBaseUnavailableError);
      rmSync(blocker);
      assert.equal((await kb.ready()).total, 0);
      assert.equal(await kb.add(probeCase('probe-after-recovery')).then((added) => added.id), 'probe-after-recovery');
    } finally {
      await kb.close();
    }
  });
});
