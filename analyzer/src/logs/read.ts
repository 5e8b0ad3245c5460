/**
 * I/O edge of log pattern mining: reads each target's baseline and current windows from Elasticsearch,
 * oldest first and a page at a time, into one miner per target, and compares the two windows.
 * Logs are supplementary evidence: Elasticsearch down or rejecting the query marks that target
 * `available: false` instead of failing the caller.
 */
import { ConcurrencyLimit } from '../diagnose/concurrency.ts';
import type { ElasticsearchSource } from '../sources/elasticsearch.ts';
import { SourceError } from '../sources/errors.ts';
import { type CompareOptions, compareWindows, type LogComparison, type Span } from './compare.ts';
import { BASELINE, CURRENT, type MinerOptions, TemplateMiner, type WindowIndex } from './templates.ts';

export interface LogTarget {
  /** The caller's id for the instance, echoed in its report. */
  instanceId: string;
  /** `service.type` of its lines (the plugin's logs.serviceType). */
  serviceType: string;
  /** `service.instance` of its lines (host:port). */
  instance: string;
}

export interface LogPatternLimits {
  /** Lines read per window and target; a read that hits it is reported `truncated`. */
  linesPerWindow: number;
  pageSize: number;
  /** Targets read at once. */
  concurrency: number;
  miner: Partial<Omit<MinerOptions, 'current'>>;
  compare: Partial<CompareOptions>;
}

export const DEFAULT_LOG_PATTERN_LIMITS: LogPatternLimits = {
  linesPerWindow: 20_000,
  pageSize: 1000,
  concurrency: 2,
  miner: {},
  compare: {},
};

export interface LogPatternReport extends LogComparison {
  instanceId: string;
  /** False when Elasticsearch could not be used: nothing may be concluded from empty lists then. */
  available: boolean;
  baselineLines: number;
  currentLines: number;
  /** A window had more lines than read: rates are over the part read (from the window's start). */
  truncated: boolean;
  /** Patterns alive at the end, and evicted to stay within the miner's caps. */
  patterns: number;
  evicted: number;
}

interface Window {
  from: Date;
  to: Date;
}

/** One report per target, in the targets' order. Throws nothing from Elasticsearch. */
export async function readLogPatterns(
  elasticsearch: ElasticsearchSource,
  targets: readonly LogTarget[],
  window: Window,
  baseline: Window,
  limits: Partial<LogPatternLimits> = {},
): Promise<LogPatternReport[]> {
  const settings = { ...DEFAULT_LOG_PATTERN_LIMITS, ...limits };
  const concurrency = new ConcurrencyLimit(Math.max(1, settings.concurrency));
  return Promise.all(
    targets.map((target) =>
      concurrency.run(async () => {
        try {
          return await readTarget(elasticsearch, target, window, baseline, settings);
        } catch (error) {
          if (error instanceof SourceError) return unavailable(target.instanceId);
          throw error;
        }
      }),
    ),
  );
}

async function readTarget(
  elasticsearch: ElasticsearchSource,
  target: LogTarget,
  window: Window,
  baseline: Window,
  settings: LogPatternLimits,
): Promise<LogPatternReport> {
  const miner = new TemplateMiner({
    ...settings.miner,
    current: { from: window.from.getTime(), to: window.to.getTime() },
  });
  const read = async (index: WindowIndex, range: Window) => {
    let last = Number.NaN;
    // Half-open windows, [from, to): a baseline ending where the window starts shares no line with it.
    const before = new Date(range.to.getTime() - 1);
    const result = await elasticsearch.scan(
      { from: range.from, to: before, serviceType: target.serviceType, instance: target.instance },
      { limit: settings.linesPerWindow, pageSize: settings.pageSize },
      (lines) => {
        for (const line of lines) {
          const timestamp = timestampOf(line.timestamp);
          if (Number.isNaN(timestamp)) continue;
          miner.add(index, { timestamp, level: line.level, message: line.message });
          last = timestamp;
        }
      },
    );
    // A truncated read saw the window only up to its last line.
    const to = result.truncated && Number.isFinite(last) ? last : range.to.getTime();
    const span: Span = { from: range.from.getTime(), to };
    return { ...result, span };
  };
  // Baseline first: a pattern's id comes from the first line seen, so ids follow the usual lines.
  const before = await read(BASELINE, baseline);
  const now = await read(CURRENT, window);
  return {
    instanceId: target.instanceId,
    available: true,
    baselineLines: before.lines,
    currentLines: now.lines,
    truncated: before.truncated || now.truncated,
    patterns: miner.size,
    evicted: miner.evicted,
    ...compareWindows(miner, { baseline: before.span, current: now.span }, settings.compare),
  };
}

/** ms since the epoch of an `@timestamp` as shipped: ISO 8601, or epoch milliseconds. */
function timestampOf(text: string): number {
  return /^\d+$/.test(text) ? Number(text) : Date.parse(text);
}

function unavailable(instanceId: string): LogPatternReport {
  return {
    instanceId,
    available: false,
    baselineLines: 0,
    currentLines: 0,
    truncated: false,
    patterns: 0,
    evicted: 0,
    newPatterns: [],
    surgingPatterns: [],
    errorSurge: null,
  };
}
