/**
 * An analysis as the root-cause pipeline produces it (Redis rejecting writes at maxmemory), with secrets planted
 * in its log lines and facts, and model answers for it written as a model would, with the pack's aliases.
 */
import type { CaseInput, EvidenceInput, HypothesisInput } from '../../src/llm/pack.ts';

/** Evidence as the pipeline has it: the common fields and details beside them. */
export interface FixtureEvidence extends EvidenceInput {
  [detail: string]: unknown;
}

/** A mutable analysis, so tests can plant more in it; it is an `EvidencePackInput`. */
export interface FixtureAnalysis {
  hypotheses: HypothesisInput[];
  evidence: FixtureEvidence[];
  cases: CaseInput[];
  narrative: string;
}

/** Values that must never reach the LLM. */
export const PLANTED = {
  password: 'Hunter2-Sup3r!',
  token: 'tok_9f8e7d6c5b4a3210fedcba98',
  connectionPassword: 'c0nnP4ss-xyz',
  email: 'oncall.alice@corp.example.com',
  ip: '10.20.30.40',
  sqlLiteral: 'card-4111111111111111',
};

export const INSTANCE = 'redis:10.0.0.5:6379';

export function analysis(): FixtureAnalysis {
  return {
    hypotheses: [
      {
        id: 'hyp-redis-oom',
        instance: INSTANCE,
        signal: 'memory_used_ratio',
        faultClass: 'resource-exhaustion',
        confidence: 0.862,
        evidence: ['ev-memory', 'ev-oom-log', 'ev-policy'],
      },
      {
        id: 'hyp-redis-clients',
        instance: INSTANCE,
        signal: 'connected_clients',
        faultClass: 'connection-saturation',
        confidence: 0.31,
        evidence: ['ev-clients'],
      },
      // No evidence: never offered.
      { id: 'hyp-redis-latency', instance: INSTANCE, faultClass: 'latency', confidence: 0.1, evidence: [] },
    ],
    evidence: [
      {
        id: 'ev-memory',
        kind: 'signal',
        instance: INSTANCE,
        summary: 'used memory at 99.8 % of maxmemory (1 GiB) for 12 min',
        signal: 'memory_used_ratio',
        last: 0.998,
        max: 0.999,
        limit: 1,
      },
      {
        id: 'ev-policy',
        kind: 'fact',
        instance: INSTANCE,
        summary: 'maxmemory-policy is noeviction',
        name: 'maxmemory_policy',
        value: 'noeviction',
      },
      {
        id: 'ev-oom-log',
        kind: 'log',
        instance: INSTANCE,
        summary: '214 lines "OOM command not allowed" in the window',
        pattern: 'oom',
        count: 214,
        lines: [
          {
            timestamp: '2026-11-25T10:00:01Z',
            level: 'error',
            message: "-OOM command not allowed when used memory > 'maxmemory'.",
          },
          {
            timestamp: '2026-11-25T10:00:02Z',
            level: 'warning',
            message: `client ${PLANTED.ip}:51234 AUTH failed; config has requirepass ${PLANTED.password}`,
          },
          {
            timestamp: '2026-11-25T10:00:03Z',
            level: 'notice',
            message: `replica sync from redis://default:${PLANTED.connectionPassword}@10.0.0.6:6379/0 owned by ${PLANTED.email}`,
          },
          {
            timestamp: '2026-11-25T10:00:04Z',
            level: 'notice',
            message: `app query: SELECT id FROM payments WHERE card = '${PLANTED.sqlLiteral}'`,
          },
        ],
      },
      {
        id: 'ev-clients',
        kind: 'signal',
        instance: INSTANCE,
        summary: 'connected clients at 410 of maxclients 10000',
        signal: 'connected_clients',
        last: 410,
        max: 415,
        config: { apiToken: PLANTED.token, url: 'http://10.0.0.5:9121' },
      },
    ],
    cases: [
      {
        id: 'redis-oom-noeviction',
        title: 'Redis rejects writes at maxmemory under noeviction',
        score: 0.9134,
        rootCause: 'The dataset outgrew maxmemory and the noeviction policy makes Redis refuse writes.',
        remediation: 'Raise maxmemory or choose an eviction policy such as allkeys-lru; find the keys that grew.',
      },
    ],
    narrative:
      'Redis at 10.0.0.5:6379 is out of memory: used memory is at 99.8 % of maxmemory and the noeviction policy makes it reject writes (214 OOM errors).',
  };
}

/**
 * A good answer in the pack's aliases: `h1` is the first offered hypothesis, `e1`… the evidence in input order,
 * `c1` the first case.
 */
export function goodAnswer() {
  return {
    hypothesis: 'h1',
    narrative:
      'Redis used memory reached maxmemory and the noeviction policy makes Redis reject writes with OOM errors. Raise maxmemory or choose an eviction policy.',
    claims: [
      { text: 'Redis used memory reached maxmemory', evidence: ['e1'], cases: [] },
      {
        text: 'The noeviction policy makes Redis reject writes with OOM errors',
        evidence: ['e2', 'e3'],
        cases: ['c1'],
      },
      { text: 'Raise maxmemory or choose an eviction policy', evidence: [], cases: ['c1'] },
    ],
  };
}
