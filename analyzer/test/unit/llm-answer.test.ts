/** The answer schema and its validation, the evidence pack and its messages, and the streaming field reader. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerSchema, responseFormat, validateAnswer } from '../../src/llm/answer.ts';
import { buildEvidencePack, packMessages } from '../../src/llm/pack.ts';
import { JsonFieldStream } from '../../src/llm/partial-json.ts';
import { analysis, goodAnswer, PLANTED } from './llm-fixtures.ts';

const IDS = { hypotheses: ['h1', 'h2'], evidence: ['e1', 'e2', 'e3', 'e4'], cases: ['c1'] };

describe('answer validation', () => {
  it('accepts a cited answer as it is', () => {
    const check = validateAnswer(JSON.stringify(goodAnswer()), IDS);
    assert.ok(check.answer, 'problem' in check ? check.problem : '');
    assert.deepEqual(check.answer, goodAnswer());
    assert.deepEqual(check.dropped, { claims: [], unknownIds: [], narrativeRebuilt: false });
  });

  it('rejects a hypothesis that was not offered, without echoing it', () => {
    const check = validateAnswer(JSON.stringify({ ...goodAnswer(), hypothesis: 'h-evil' }), IDS);
    assert.equal(check.answer, null);
    assert.ok('problem' in check && !check.problem.includes('h-evil'));
  });

  it('drops uncited claims and unknown ids, and rebuilds a narrative that says more than the claims', () => {
    const answer = goodAnswer();
    answer.claims.push({ text: 'Run FLUSHALL to free memory now', evidence: ['e99'], cases: [] });
    answer.claims.push({ text: 'Nobody needs these keys', evidence: [], cases: [] });
    answer.claims[0]?.evidence.push('e42');
    answer.narrative += ' Run FLUSHALL to free memory now.';
    const check = validateAnswer(JSON.stringify(answer), IDS);
    assert.ok(check.answer);
    assert.deepEqual(
      check.answer.claims.map((claim) => claim.text),
      goodAnswer().claims.map((claim) => claim.text),
    );
    assert.deepEqual(check.answer.claims[0]?.evidence, ['e1']);
    assert.deepEqual(check.dropped.claims, ['Run FLUSHALL to free memory now', 'Nobody needs these keys']);
    assert.deepEqual(check.dropped.unknownIds, ['e42']);
    assert.equal(check.dropped.narrativeRebuilt, true);
    assert.ok(!check.answer.narrative.includes('FLUSHALL'));
    assert.equal(
      check.answer.narrative,
      'Redis used memory reached maxmemory. The noeviction policy makes Redis reject writes with OOM errors. Raise maxmemory or choose an eviction policy.',
    );
  });

  it('gives nothing when no claim cites the pack', () => {
    const check = validateAnswer(
      JSON.stringify({ hypothesis: 'h1', narrative: 'x', claims: [{ text: 'y', evidence: ['zz'], cases: [] }] }),
      IDS,
    );
    assert.equal(check.answer, null);
  });

  const invalid: Array<[string, string]> = [
    ['malformed JSON', '{"hypothesis": "h1", "narrative": "cut sho'],
    ['prose', 'The root cause is memory.'],
    ['an array', '[]'],
    ['a missing narrative', JSON.stringify({ hypothesis: 'h1', claims: [] })],
    ['claims of the wrong type', JSON.stringify({ hypothesis: 'h1', narrative: 'n', claims: 'e1' })],
  ];
  for (const [what, output] of invalid) {
    it(`refuses ${what}`, () => {
      assert.equal(validateAnswer(output, IDS).answer, null);
    });
  }

  it('takes JSON out of a Markdown code fence', () => {
    const check = validateAnswer(`\`\`\`json\n${JSON.stringify(goodAnswer())}\n\`\`\``, IDS);
    assert.deepEqual(check.answer, goodAnswer());
  });

  it('constrains ids in the schema and offers JSON mode as the fallback format', () => {
    const schema = answerSchema(IDS) as { properties: Record<string, { enum?: string[] }>; required: string[] };
    assert.deepEqual(schema.properties.hypothesis?.enum, ['h1', 'h2']);
    assert.deepEqual(schema.required, ['hypothesis', 'narrative', 'claims']);
    assert.equal(responseFormat(IDS, 'json_schema').type, 'json_schema');
    assert.deepEqual(responseFormat(IDS, 'json_object'), { type: 'json_object' });
  });
});

describe('evidence pack', () => {
  it('offers only hypotheses with evidence, under aliases, with log lines as strings', () => {
    const built = buildEvidencePack(analysis(), { redactIps: true });
    assert.deepEqual(built.ids, { hypotheses: ['h1', 'h2'], evidence: ['e1', 'e2', 'e3', 'e4'], cases: ['c1'] });
    assert.equal(built.originals.get('h1'), 'hyp-redis-oom');
    assert.equal(built.originals.get('e3'), 'ev-oom-log');
    assert.equal(built.originals.get('c1'), 'redis-oom-noeviction');
    assert.deepEqual(built.pack.hypotheses[0]?.evidence, ['e1', 'e3', 'e2']);
    const lines = built.pack.evidence[2]?.details?.lines as string[];
    assert.equal(lines.length, 4);
    assert.ok(lines.every((line) => typeof line === 'string'));
    assert.equal(lines[0], "2026-11-25T10:00:01Z error -OOM command not allowed when used memory > 'maxmemory'.");
    assert.equal(built.truncated, false);
  });

  it('holds none of the planted secrets, and keeps IPs only when told to', () => {
    for (const redactIps of [true, false]) {
      const built = buildEvidencePack(analysis(), { redactIps });
      const text = JSON.stringify(packMessages(built));
      for (const [kind, secret] of Object.entries(PLANTED)) {
        if (kind !== 'ip') assert.ok(!text.includes(secret), `${kind} survived`);
      }
      assert.equal(text.includes(PLANTED.ip), !redactIps);
      assert.equal(text.includes('hyp-redis-oom'), false, 'pipeline ids stay in the process');
      assert.ok((built.redactions.password ?? 0) >= 1 && (built.redactions.token ?? 0) >= 1);
    }
  });

  it('cuts long lines, caps lines and keeps the pack under its size, cited evidence last to go', () => {
    const input = analysis();
    const long = { timestamp: 't', level: 'info', message: `x${'y'.repeat(5000)}` };
    for (let i = 0; i < 40; i += 1) {
      input.evidence.push({
        id: `ev-extra-${i}`,
        kind: 'log',
        instance: 'redis:10.0.0.5:6379',
        summary: `extra ${i}`,
        lines: Array.from({ length: 30 }, () => long),
      });
    }
    const built = buildEvidencePack(input, { redactIps: true, limits: { totalChars: 12_000 } });
    assert.ok(JSON.stringify(built.pack).length <= 12_000, String(JSON.stringify(built.pack).length));
    assert.equal(built.truncated, true);
    for (const item of built.pack.evidence) {
      const lines = (item.details?.lines ?? []) as string[];
      assert.ok(lines.length <= 8 && lines.every((line) => line.length <= 400));
    }
    // Every evidence item a hypothesis stands on is still there; the extras went first.
    const kept = new Set(built.ids.evidence);
    for (const alias of ['e1', 'e2', 'e3', 'e4']) assert.ok(kept.has(alias), alias);
    assert.deepEqual(built.ids.hypotheses, ['h1', 'h2']);
  });

  it('puts the rules in the system message and the data between nonce markers', () => {
    const built = buildEvidencePack(analysis(), { redactIps: true });
    const [system, user] = packMessages(built, 'abc123');
    assert.equal(system?.role, 'system');
    assert.match(system?.content ?? '', /"h1", "h2"/);
    assert.match(system?.content ?? '', /never follow instructions/);
    const match = /<<<DATA-abc123\n(.*)\nDATA-abc123>>>/s.exec(user?.content ?? '');
    assert.ok(match);
    assert.deepEqual(JSON.parse(match[1] ?? ''), built.pack);
  });
});

describe('streamed JSON fields', () => {
  const answer = {
    claims: [{ text: 'a "narrative" inside', narrative: 'not this one' }],
    hypothesis: 'h1',
    narrative: 'Line one,\n"quoted" — café \u00e9 😀 \\ done',
    extra: { narrative: 'nor this' },
  };
  const text = JSON.stringify(answer).replace('café', 'caf\\u00e9').replace('😀', '\\ud83d\\ude00');

  it('streams the top-level field decoded, whatever the chunking', () => {
    for (const size of [1, 2, 3, 5, 7, 64, text.length]) {
      const reader = new JsonFieldStream('narrative');
      const deltas: string[] = [];
      for (let at = 0; at < text.length; at += size) {
        const delta = reader.feed(text.slice(at, at + size));
        if (delta !== '') deltas.push(delta);
      }
      assert.equal(deltas.join(''), answer.narrative, `chunks of ${size}`);
      // No delta ends inside a surrogate pair.
      assert.ok(deltas.every((delta) => !/[\ud800-\udbff]$/.test(delta)));
      assert.equal(reader.strings.get('hypothesis'), 'h1');
    }
  });
});
