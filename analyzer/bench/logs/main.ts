/**
 * bench:logs — log template mining throughput and memory. 100 000 generated lines, deterministic: 80 %
 * from 24 templates of the six middleware with random values (pids, addresses, ports, durations, names),
 * 20 % unique noise (random words, so every one starts a cluster and the caps and eviction are exercised).
 * The first half is the baseline window, the second the current one, where two templates surge and one
 * error template appears. Mining is timed alone; the comparison of the windows after it.
 *
 * heap_growth_mb is the heap the miner holds on to: heap used after a full collection with the miner
 * alive, minus the same once it is dropped (the generated input stays alive throughout, so V8 flattening
 * its strings while mining does not blur the figure). Garbage made while mining is not counted.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BASELINE, CURRENT, compareWindows, TemplateMiner } from '../../src/logs/index.ts';
import { seededRandom } from '../../test/unit/synthetic.ts';

const LINES = 100_000;
const NOISE_SHARE = 0.2;
const MINUTE = 60_000;
const START = Date.parse('2026-03-02T00:00:00Z');
/** Two hours of lines: the first as baseline, the second as current window. */
const SPAN_MS = 120 * MINUTE;

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

const next = seededRandom(2026);
const int = (below: number) => Math.floor(next() * below);
const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
const ip = () => `10.${int(256)}.${int(256)}.${int(256)}`;
const names = ['shop', 'billing', 'orders', 'audit', 'payments', 'users', 'search', 'events'];
const word = () => int(2 ** 31).toString(36);
const pad = (value: number) => String(value).padStart(2, '0');
const redisTime = () => `02 Mar 2026 ${pad(int(24))}:${pad(int(60))}:${pad(int(60))}.${int(1000)}`;

interface Template {
  level: string;
  text: (time: string) => string;
  /** Relative weight in the baseline and current halves. */
  baseline: number;
  current: number;
}

const TEMPLATES: Template[] = [
  // PostgreSQL
  {
    level: 'info',
    baseline: 8,
    current: 8,
    text: (t) => `${t} UTC [${int(9e4)}] LOG:  connection received: host=${ip()} port=${int(6e4)}`,
  },
  {
    level: 'info',
    baseline: 8,
    current: 8,
    text: (t) =>
      `${t} UTC [${int(9e4)}] LOG:  connection authorized: user=${pick(names)} database=${pick(names)} application_name=psql`,
  },
  {
    level: 'info',
    baseline: 3,
    current: 3,
    text: (t) =>
      `${t} UTC [${int(9e4)}] LOG:  duration: ${(next() * 5000).toFixed(3)} ms  statement: SELECT * FROM ${pick(names)} WHERE id = ${int(1e6)}`,
  },
  { level: 'error', baseline: 0.2, current: 0.2, text: (t) => `${t} UTC [${int(9e4)}] ERROR:  deadlock detected` },
  {
    level: 'FATAL',
    baseline: 0,
    current: 2,
    text: (t) => `${t} UTC [${int(9e4)}] FATAL:  sorry, too many clients already`,
  },
  {
    level: 'info',
    baseline: 1,
    current: 1,
    text: (t) =>
      `${t} UTC [${int(9e4)}] LOG:  checkpoint complete: wrote ${int(5000)} buffers (${(next() * 10).toFixed(1)}%); 0 WAL file(s) added, ${int(9)} removed, ${int(9)} recycled; write=${(next() * 30).toFixed(3)} s, sync=${(next()).toFixed(3)} s, total=${(next() * 30).toFixed(3)} s`,
  },
  // MariaDB
  {
    level: 'warning',
    baseline: 2,
    current: 2,
    text: (t) =>
      `${t} ${int(9e3)} [Warning] Aborted connection ${int(9e3)} to db: '${pick(names)}' user: '${pick(names)}' host: '${ip()}' (Got timeout reading communication packets)`,
  },
  {
    level: 'info',
    baseline: 1,
    current: 1,
    text: (t) =>
      `${t} 0 [Note] InnoDB: Buffer pool(s) load completed at 260302 ${pad(int(24))}:${pad(int(60))}:${pad(int(60))}`,
  },
  {
    level: 'info',
    baseline: 2,
    current: 2,
    text: () =>
      `# Query_time: ${(next() * 10).toFixed(6)}  Lock_time: ${(next() / 100).toFixed(6)}  Rows_sent: ${int(1000)}  Rows_examined: ${int(1e6)}`,
  },
  // Redis
  {
    level: 'notice',
    baseline: 3,
    current: 3,
    text: () => `${int(9e4)}:M ${redisTime()} * Background saving started by pid ${int(9e4)}`,
  },
  { level: 'notice', baseline: 3, current: 3, text: () => `${int(9e4)}:C ${redisTime()} * DB saved on disk` },
  {
    level: 'notice',
    baseline: 2,
    current: 2,
    text: () => `${int(9e4)}:M ${redisTime()} * ${int(10000)} changes in ${int(300)} seconds. Saving...`,
  },
  {
    level: 'warning',
    baseline: 0.5,
    current: 6,
    text: () => `${int(9e4)}:M ${redisTime()} # OOM command not allowed when used memory > 'maxmemory'.`,
  },
  // Kafka
  {
    level: 'info',
    baseline: 6,
    current: 6,
    text: (t) =>
      `[${t}] INFO [Partition ${pick(names)}-${int(12)} broker=${int(3)}] Log loaded for partition ${pick(names)}-${int(12)} with initial high watermark ${int(1e6)} (kafka.cluster.Partition)`,
  },
  {
    level: 'info',
    baseline: 4,
    current: 4,
    text: (t) =>
      `[${t}] INFO [GroupCoordinator ${int(3)}]: Member consumer-${pick(names)}-${int(9)}-${word()} in group ${pick(names)} has failed, removing it from the group (kafka.coordinator.group.GroupCoordinator)`,
  },
  {
    level: 'warn',
    baseline: 1,
    current: 12,
    text: (t) =>
      `[${t}] WARN [ReplicaFetcher replicaId=${int(3)}, leaderId=${int(3)}, fetcherId=0] Error in response for fetch request (type=FetchRequest, replicaId=${int(3)}, maxWait=500, minBytes=1) (kafka.server.ReplicaFetcherThread)`,
  },
  {
    level: 'info',
    baseline: 2,
    current: 2,
    text: (t) =>
      `[${t}] INFO [UnifiedLog partition=${pick(names)}-${int(12)}, dir=/var/lib/kafka/data] Rolled new log segment at offset ${int(1e7)} in ${int(20)} ms. (kafka.log.UnifiedLog)`,
  },
  // RabbitMQ
  {
    level: 'info',
    baseline: 5,
    current: 5,
    text: (t) =>
      `${t}.${int(1e6)}+00:00 [info] <0.${int(9999)}.0> accepting AMQP connection <0.${int(9999)}.0> (${ip()}:${int(6e4)} -> 10.0.0.2:5672)`,
  },
  {
    level: 'info',
    baseline: 5,
    current: 5,
    text: (t) =>
      `${t}.${int(1e6)}+00:00 [info] <0.${int(9999)}.0> closing AMQP connection <0.${int(9999)}.0> (${ip()}:${int(6e4)} -> 10.0.0.2:5672, vhost: '/', user: '${pick(names)}')`,
  },
  {
    level: 'warning',
    baseline: 0.5,
    current: 0.5,
    text: (t) =>
      `${t}.${int(1e6)}+00:00 [warning] <0.${int(9999)}.0> memory resource limit alarm set on node rabbit@mq-${int(3)}.`,
  },
  // Elasticsearch
  {
    level: 'INFO',
    baseline: 3,
    current: 3,
    text: (t) =>
      `[${t.replace(' ', 'T')},${int(1000)}][INFO ][o.e.c.m.MetadataCreateIndexService] [es-${int(3)}] [logs-${pick(names)}-2026.03.02] creating index, cause [auto(bulk api)], templates [logs], shards [1]/[1]`,
  },
  {
    level: 'WARN',
    baseline: 1,
    current: 1,
    text: (t) =>
      `[${t.replace(' ', 'T')},${int(1000)}][WARN ][o.e.m.j.JvmGcMonitorService] [es-${int(3)}] [gc][${int(1e5)}] overhead, spent [${(next() * 3).toFixed(1)}s] collecting in the last [${(1 + next() * 3).toFixed(1)}s]`,
  },
  {
    level: 'INFO',
    baseline: 2,
    current: 2,
    text: (t) =>
      `[${t.replace(' ', 'T')},${int(1000)}][INFO ][o.e.c.r.a.AllocationService] [es-${int(3)}] current.health="GREEN" message="Cluster health status changed from [YELLOW] to [GREEN]" previous.health="YELLOW" reason="shards started [[logs-${pick(names)}][0]]"`,
  },
  {
    level: 'INFO',
    baseline: 1,
    current: 1,
    text: (t) =>
      `[${t.replace(' ', 'T')},${int(1000)}][INFO ][o.e.x.i.IndexLifecycleTransition] [es-${int(3)}] moving index [.ds-logs-${int(1e6)}] from [{"phase":"hot"}] to [{"phase":"warm"}] in policy [logs]`,
  },
];

function choose(weights: readonly number[]): number {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  let target = next() * total;
  for (const [index, weight] of weights.entries()) {
    target -= weight;
    if (target < 0) return index;
  }
  return weights.length - 1;
}

/** Timestamps as the middleware print them, pre-rendered so that generation stays cheap. */
function clock(time: number): string {
  return new Date(time).toISOString().replace('T', ' ').slice(0, 19);
}

process.stderr.write(`generating ${LINES} lines (${TEMPLATES.length} templates, ${NOISE_SHARE * 100} % noise)…\n`);
const lines: Array<{ timestamp: number; level: string; message: string; window: 0 | 1 }> = [];
for (let i = 0; i < LINES; i += 1) {
  const timestamp = START + Math.floor((i / LINES) * SPAN_MS);
  const window = i < LINES / 2 ? BASELINE : CURRENT;
  if (next() < NOISE_SHARE) {
    const message = Array.from({ length: 3 + int(15) }, word).join(' ');
    lines.push({ timestamp, level: 'info', message, window });
  } else {
    const template = TEMPLATES[choose(TEMPLATES.map((t) => (window === BASELINE ? t.baseline : t.current)))];
    if (!template) throw new Error('no template');
    lines.push({ timestamp, level: template.level, message: template.text(clock(timestamp)), window });
  }
}

const current = { from: START + SPAN_MS / 2, to: START + SPAN_MS };
let miner: TemplateMiner | undefined = new TemplateMiner({ current });
const started = performance.now();
for (const [i, line] of lines.entries()) {
  miner.add(line.window, line);
  if ((i + 1) % 20_000 === 0) {
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(
      `${String(i + 1).padStart(7)} lines  ${((i + 1) / seconds).toFixed(0).padStart(7)} lines/s  ` +
        `${String(miner.size).padStart(5)} patterns  ${String(miner.evicted).padStart(6)} evicted\n`,
    );
  }
}
const miningSeconds = (performance.now() - started) / 1000;
const compareStarted = performance.now();
const { newPatterns, surgingPatterns, errorSurge } = compareWindows(miner, {
  baseline: { from: START, to: current.from },
  current,
});
const compareMs = performance.now() - compareStarted;
const result = { patterns: miner.size, evicted: miner.evicted };
collect();
const heapWithMiner = process.memoryUsage().heapUsed;
miner = undefined;
collect();
const heapGrowth = (heapWithMiner - process.memoryUsage().heapUsed) / 2 ** 20;

const show = (change: { template: string; strength: number; currentCount: number; baselineCount: number }) =>
  `  ${change.strength.toFixed(2)}  ${String(change.baselineCount).padStart(5)} → ${String(change.currentCount).padEnd(5)} ${change.template.slice(0, 110)}\n`;
process.stderr.write(`compared the windows in ${compareMs.toFixed(1)} ms\nnew patterns:\n`);
for (const change of newPatterns) process.stderr.write(show(change));
process.stderr.write('surging patterns:\n');
for (const change of surgingPatterns) process.stderr.write(show(change));
process.stderr.write(
  errorSurge
    ? `error surge: ${errorSurge.baselineCount} → ${errorSurge.currentCount} lines, ×${errorSurge.ratio.toFixed(1)}, ` +
        `strength ${errorSurge.strength.toFixed(2)}\n`
    : 'no error surge\n',
);
console.log(
  JSON.stringify({
    lines: lines.length,
    lines_per_second: Math.round(LINES / miningSeconds),
    heap_growth_mb: Number(heapGrowth.toFixed(1)),
    ...result,
  }),
);
