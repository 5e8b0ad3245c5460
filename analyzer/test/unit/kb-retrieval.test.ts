/**
 * Retrieval quality on full text alone: every query of every plugin's `test/fixtures/case-queries.yaml`
 * (an operator's paraphrase of a case's symptoms, or a real log line of its fault) must find its case in the
 * top 3 of all shipped cases, no middleware filter, at least 95 % of the time. Prints the share and each miss.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KnowledgeBase } from '../../src/kb/knowledge-base.ts';
import { PLUGINS } from '../../src/plugins/registry.ts';
import { loadCaseQueries, REQUIRED_SHARE, TOP } from './kb-queries.ts';

describe('retrieval of shipped cases by full text', () => {
  const folder = mkdtempSync(join(tmpdir(), 'ksa-kb-retrieval-'));
  let kb: KnowledgeBase;
  let caseIds: Set<string>;
  const queries = loadCaseQueries();
  before(async () => {
    kb = KnowledgeBase.open({ uri: join(folder, 'kb'), plugins: PLUGINS });
    const report = await kb.ready();
    caseIds = new Set(report.shipped.cases.map((faultCase) => faultCase.id));
  });
  after(async () => {
    await kb.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('has at least one query for every shipped case, and none for a case that does not exist', () => {
    const asked = new Set(queries.map((query) => query.case));
    const unasked = [...caseIds].filter((id) => !asked.has(id));
    const unknown = [...asked].filter((id) => !caseIds.has(id));
    assert.deepEqual(unasked, [], `cases without a query: ${unasked.join(', ')}`);
    assert.deepEqual(unknown, [], `queries for unknown cases: ${unknown.join(', ')}`);
  });

  it(`finds the case in the top ${TOP} for at least ${REQUIRED_SHARE * 100} % of the queries`, async (t) => {
    assert.ok(queries.length > 0, 'no case-queries.yaml found');
    let found = 0;
    const misses: string[] = [];
    for (const query of queries) {
      const result = await kb.search(query.query, { limit: TOP });
      assert.equal(result.retrieval, 'fulltext');
      const ids = result.hits.map((hit) => hit.case.id);
      if (ids.includes(query.case)) found += 1;
      else
        misses.push(`${query.kind} "${query.query}"\n    expected ${query.case}, got ${ids.join(', ') || 'nothing'}`);
    }
    const share = found / queries.length;
    t.diagnostic(`full text: ${found} of ${queries.length} queries in the top ${TOP} (share ${share.toFixed(3)})`);
    for (const miss of misses) t.diagnostic(`miss: ${miss}`);
    assert.ok(share >= REQUIRED_SHARE, `share ${share.toFixed(3)} < ${REQUIRED_SHARE}; misses:\n${misses.join('\n')}`);
  });
});
