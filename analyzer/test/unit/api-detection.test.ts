/** The detection routes' answers to good and bad input, and a scan with Prometheus out of reach. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { AUTH, appWith, CLOSED_URL, probePlugin } from '../support.ts';
import { noise } from './synthetic.ts';

const MINUTE = 60_000;
const START = Date.UTC(2026, 10, 25);

function series(n: number) {
  const values = Array.from(noise(n));
  return { timestamps: values.map((_, i) => START + i * MINUTE), values };
}

describe('detection API', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await appWith({ KSA_PROMETHEUS_URL: CLOSED_URL, KSA_ELASTICSEARCH_URL: CLOSED_URL }, [probePlugin]);
  });
  after(() => app.close());

  const detect = (payload: unknown) =>
    app.inject({ method: 'POST', url: '/api/v1/detect', headers: AUTH, payload: payload as Record<string, unknown> });

  it('scores a posted series and returns its spike as an episode', async () => {
    const body = series(600);
    body.values[500] = 200;
    const response = await detect(body);
    assert.equal(response.statusCode, 200, response.body);
    const result = response.json();
    assert.equal(result.step, MINUTE);
    assert.equal(result.scores.length, 600);
    assert.equal(result.episodes.length, 1);
    assert.equal(result.episodes[0].kind, 'spike');
    assert.equal(result.episodes[0].start, new Date(START + 500 * MINUTE).toISOString());
  });

  it('takes null as a gap', async () => {
    const body = series(100) as { timestamps: number[]; values: Array<number | null> };
    body.values[50] = null;
    const response = await detect(body);
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().scores[50], 0);
  });

  const bad: Array<[string, () => unknown, RegExp]> = [
    ['a series too short', () => series(5), /too short: 5 points, at least 20/],
    ['a series too long', () => series(100_001), /body\/timestamps must NOT have more than 100000 items/],
    [
      'values and timestamps of different lengths',
      () => ({ ...series(30), values: series(29).values }),
      /has 30 items but body\/values has 29/,
    ],
    [
      'an unsorted timestamp',
      () => {
        const body = series(30);
        [body.timestamps[3], body.timestamps[4]] = [body.timestamps[4] as number, body.timestamps[3] as number];
        return body;
      },
      /body\/timestamps\/4 is earlier than the one before it/,
    ],
    [
      'a duplicate timestamp',
      () => {
        const body = series(30);
        body.timestamps[7] = body.timestamps[6] as number;
        return body;
      },
      /body\/timestamps\/7 duplicates/,
    ],
    ['a string for a value', () => ({ ...series(30), values: [...series(29).values, 'NaN'] }), /body\/values\/29/],
    ['a threshold above 1', () => ({ ...series(30), threshold: 2 }), /body\/threshold must be <= 1/],
    ['an unknown field', () => ({ ...series(30), season: 7 }), /season/],
  ];
  for (const [what, body, message] of bad) {
    it(`answers 400 naming the problem for ${what}`, async () => {
      const response = await detect(body());
      assert.equal(response.statusCode, 400, response.body);
      assert.equal(response.json().code, 'BAD_REQUEST');
      assert.match(response.json().message, message);
    });
  }

  it('answers 400 for Infinity smuggled in as 1e999', async () => {
    const text = JSON.stringify(series(30)).replace(/"values":\[[^,]+/, '"values":[1e999');
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/detect',
      headers: { ...AUTH, 'content-type': 'application/json' },
      payload: text,
    });
    assert.equal(response.statusCode, 400, response.body);
    assert.match(response.json().message, /body\/values\/0 is not a finite number/);
  });

  it('answers 503 naming Prometheus when a scan cannot list the fleet', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/v1/scan', headers: AUTH, payload: { wait: true } });
    assert.equal(response.statusCode, 503, response.body);
    assert.equal(response.json().source, 'prometheus');
  });

  it('answers 404 for an unknown scan and 400 for a bad forecast horizon', async () => {
    const scan = await app.inject({ url: '/api/v1/scans/nope', headers: AUTH });
    assert.equal(scan.statusCode, 404);
    assert.equal(scan.json().code, 'SCAN_NOT_FOUND');
    const forecast = await app.inject({ url: '/api/v1/instances/x/forecast?signal=a&horizon=10', headers: AUTH });
    assert.equal(forecast.statusCode, 400, forecast.body);
    assert.match(forecast.json().message, /horizon must be >= 60/);
  });
});
