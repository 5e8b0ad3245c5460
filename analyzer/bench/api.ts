/**
 * bench:api — latency and memory of the analyzer on the real local stack, measured with a load tool
 * (autocannon) against the real server process started as `npm start` starts it.
 * Needs the stack: `eval "$(bash stack/env.sh)"`.
 * Ends with one JSON line:
 * {"instances_p95_ms", "diagnose_p50_ms", "diagnose_p95_ms", "rss_idle_mb", "rss_load_mb", "cold_start_ms"}
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import autocannon from 'autocannon';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 2);

if (!process.env.KSA_PROMETHEUS_URL) {
  process.stderr.write('bench:api needs the local stack: bash stack/start.sh && eval "$(bash stack/env.sh)"\n');
  process.exit(2);
}

const port = await freePort();
const token = randomBytes(24).toString('hex');
const base = `http://127.0.0.1:${port}`;
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

// Exactly what `npm start` runs (the production bundle with its Node flags), minus npm itself.
const startScript = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start;
const [, ...startArgs] = startScript.split(/\s+/);
log(`starting the analyzer on ${base}: ${startScript}`);
const started = performance.now();
const server = spawn(process.execPath, startArgs, {
  env: { ...process.env, KSA_PORT: String(port), KSA_API_TOKEN: token, KSA_LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'inherit', 'inherit'],
});
try {
  await waitForHealth();
  const coldStartMs = Math.round(performance.now() - started);
  log(`cold start: ${coldStartMs} ms (spawn to first healthy answer)`);

  const listed = (await (await fetch(`${base}/api/v1/instances`, { headers })).json()) as {
    instances: Array<{ id: string }>;
  };
  const ids = listed.instances.map((instance) => instance.id);
  if (ids.length === 0) throw new Error('no instances found: is the stack up?');
  for (const id of ids)
    await fetch(`${base}/api/v1/diagnose`, { method: 'POST', headers, body: JSON.stringify({ instance: id }) });
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const rssIdleMb = rssMb(server);
  log(`idle RSS after warm-up: ${rssIdleMb} MB; ${ids.length} instances`);

  let rssLoadMb = rssIdleMb;
  const sampler = setInterval(() => {
    rssLoadMb = Math.max(rssLoadMb, rssMb(server));
  }, 100);
  const instances = await load('GET /api/v1/instances', { method: 'GET', path: '/api/v1/instances' }, 1);
  const diagnose = await load('POST /api/v1/diagnose', { method: 'POST', path: '/api/v1/diagnose' }, ids.length, (i) =>
    JSON.stringify({ instance: ids[i % ids.length] }),
  );
  clearInterval(sampler);

  const result = {
    instances_p95_ms: round(percentile(instances, 95)),
    diagnose_p50_ms: round(percentile(diagnose, 50)),
    diagnose_p95_ms: round(percentile(diagnose, 95)),
    rss_idle_mb: rssIdleMb,
    rss_load_mb: rssLoadMb,
    cold_start_ms: coldStartMs,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  server.kill('SIGTERM');
}

/** Runs REQUESTS requests with CONNECTIONS connections; returns each response's latency in ms. */
async function load(
  name: string,
  request: { method: 'GET' | 'POST'; path: string },
  variants: number,
  body?: (i: number) => string,
): Promise<number[]> {
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  await new Promise<void>((resolve, reject) => {
    const instance = autocannon(
      {
        url: base,
        connections: CONNECTIONS,
        amount: REQUESTS,
        headers,
        requests: body
          ? Array.from({ length: variants }, () => ({
              method: request.method,
              path: request.path,
              setupRequest: (req: autocannon.Request) => ({ ...req, body: body(sent++) }),
            }))
          : [request],
      },
      (error) => (error ? reject(error) : resolve()),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode !== 200) errors += 1;
      latencies.push(responseTime);
    });
  });
  if (errors > 0) throw new Error(`${name}: ${errors} non-200 answers`);
  log(
    `${name}: ${latencies.length} requests, p50 ${round(percentile(latencies, 50))} ms, p95 ${round(percentile(latencies, 95))} ms, max ${round(Math.max(...latencies))} ms`,
  );
  return latencies;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function rssMb(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return Math.round(kb / 1024);
}

async function waitForHealth(): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the analyzer exited with ${server.exitCode}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('the analyzer did not become healthy within 20 s');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function log(message: string): void {
  process.stderr.write(`bench:api ${message}\n`);
}
