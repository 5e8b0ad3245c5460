/**
 * Read-only connector over the Elasticsearch REST API: cluster health, node stats, effective disk
 * watermarks, read-only-allow-delete blocks, and why the first unassigned shard stays unassigned.
 */
import { type Connector, JsonHttp } from '@kubestack/plugin-sdk';
import { describeError } from './rest.ts';

export type HealthStatus = 'green' | 'yellow' | 'red';

export interface EsNode {
  name: string;
  dataNode: boolean;
  diskTotalBytes: number;
  /** Available to Elasticsearch, as the disk watermarks count it. */
  diskAvailableBytes: number;
  heapUsedRatio: number;
  /** Old generation used / max: what GC cannot reclaim, Elasticsearch's "memory pressure"; null if unknown. */
  memoryPressure: number | null;
  shards: number;
  /** Rejections per thread pool since the node started (only pools with rejections). */
  rejectedSinceStart: Record<string, number>;
  /** Trips per circuit breaker since the node started (only breakers that tripped). */
  breakerTripsSinceStart: Record<string, number>;
}

/** A disk watermark: a used-space ratio (optionally capped by a max headroom) or an absolute free-space floor. */
export type Watermark =
  | { kind: 'ratio'; usedRatio: number; maxHeadroomBytes: number | null; text: string }
  | { kind: 'free'; freeBytes: number; text: string };

export interface DiskWatermarks {
  /** cluster.routing.allocation.disk.threshold_enabled: when false, no watermark is enforced. */
  enabled: boolean;
  low: Watermark | null;
  high: Watermark | null;
  floodStage: Watermark | null;
}

export interface UnassignedShard {
  index: string;
  shard: number;
  primary: boolean;
  reason: string;
}

export interface AllocationExplanation {
  index: string;
  shard: number;
  primary: boolean;
  reason: string;
  /** The first decider saying NO, with its words; else the overall allocate explanation. */
  decider: string | null;
  explanation: string;
}

export interface Facts {
  clusterName: string;
  status: HealthStatus;
  numberOfNodes: number;
  numberOfDataNodes: number;
  activeShards: number;
  activePrimaryShards: number;
  unassignedShards: number;
  unassignedPrimaryShards: number;
  initializingShards: number;
  relocatingShards: number;
  nodes: EsNode[];
  watermarks: DiskWatermarks;
  maxShardsPerNode: number;
  /** Indices carrying index.blocks.read_only_allow_delete=true (hidden ones included). */
  readOnlyIndices: string[];
  /** Unassigned shard copies, at most UNASSIGNED_SAMPLE_SIZE of them. */
  unassigned: UnassignedShard[];
  /** Why the first unassigned shard cannot be allocated; null when none is unassigned. */
  allocationExplanation: AllocationExplanation | null;
}

const UNASSIGNED_SAMPLE_SIZE = 100;
export const DEFAULT_MAX_SHARDS_PER_NODE = 1000;
const DISK_SETTINGS = 'cluster.routing.allocation.disk';

export const connector: Connector<Facts> = {
  defaultUrl: (address) => `http://${address}`,

  async collect(target, { timeoutMs }) {
    const where = `Elasticsearch ${target.instance.name}`;
    let http: JsonHttp;
    try {
      const { protocol } = new URL(target.url);
      if (protocol !== 'http:' && protocol !== 'https:') throw new Error(protocol);
      http = new JsonHttp(target.url, { timeoutMs });
    } catch {
      throw new Error(`${where}: the URL is not a valid http(s) URL`);
    }
    // One deadline for the whole collection, on top of the per-request timeout.
    const deadline = AbortSignal.timeout(timeoutMs);
    const step = async <T>(what: string, request: Promise<T>, valid: (answer: T) => boolean): Promise<T> => {
      let answer: T;
      try {
        answer = await beforeDeadline(request, deadline, timeoutMs);
      } catch (error) {
        throw new Error(`${where}: ${what} failed (${describeError(error)})`);
      }
      if (!valid(answer)) throw new Error(`${where}: ${what} failed (not an Elasticsearch answer)`);
      return answer;
    };
    const [health, stats, settings, blocks] = await Promise.all([
      step('cluster health', http.request<Health>('/_cluster/health'), (answer) => typeof answer?.status === 'string'),
      step(
        'node stats',
        http.request<NodesStats>('/_nodes/stats/fs,jvm,thread_pool,breaker,indices/shard_stats'),
        (answer) => isObject(answer?.nodes),
      ),
      step(
        'cluster settings',
        http.request<ClusterSettings>('/_cluster/settings', { query: { include_defaults: true, flat_settings: true } }),
        (answer) => isObject(answer?.persistent) && isObject(answer.transient),
      ),
      step(
        'index settings',
        http.request<IndexSettings>('/_all/_settings/index.blocks.read_only_allow_delete', {
          query: { flat_settings: true, expand_wildcards: 'open,hidden' },
        }),
        isObject,
      ),
    ]);
    const unassignedCount = health.unassigned_shards;
    const [shards, explanation] =
      unassignedCount === 0
        ? [[], null]
        : await Promise.all([
            step(
              'shard listing',
              http.request<CatShard[]>('/_cat/shards', {
                query: { format: 'json', h: 'index,shard,prirep,state,unassigned.reason' },
              }),
              Array.isArray,
            ),
            // The shard may get assigned between the two calls: then there is nothing to explain (HTTP 400).
            beforeDeadline(http.request<Explain>('/_cluster/allocation/explain'), deadline, timeoutMs).catch(
              () => null,
            ),
          ]);
    const effective = (key: string): string | undefined => {
      const value = settings.transient[key] ?? settings.persistent[key] ?? settings.defaults?.[key];
      return typeof value === 'string' ? value : undefined;
    };
    return {
      clusterName: health.cluster_name,
      status: health.status.toLowerCase() as HealthStatus,
      numberOfNodes: health.number_of_nodes,
      numberOfDataNodes: health.number_of_data_nodes,
      activeShards: health.active_shards,
      activePrimaryShards: health.active_primary_shards,
      unassignedShards: unassignedCount,
      // Reported since 8.16; older clusters tell it through the shard listing only.
      unassignedPrimaryShards:
        health.unassigned_primary_shards ??
        shards.filter((shard) => shard.prirep === 'p' && shard.state === 'UNASSIGNED').length,
      initializingShards: health.initializing_shards,
      relocatingShards: health.relocating_shards,
      nodes: Object.values(stats.nodes).map((node) => toNode(node)),
      watermarks: {
        enabled: effective(`${DISK_SETTINGS}.threshold_enabled`) !== 'false',
        low: watermarkOf(effective, 'low'),
        high: watermarkOf(effective, 'high'),
        floodStage: watermarkOf(effective, 'flood_stage'),
      },
      maxShardsPerNode: Number(effective('cluster.max_shards_per_node') ?? DEFAULT_MAX_SHARDS_PER_NODE),
      readOnlyIndices: Object.entries(blocks)
        .filter(([, index]) => index.settings?.['index.blocks.read_only_allow_delete'] === 'true')
        .map(([name]) => name)
        .sort(),
      unassigned: shards
        .filter((shard) => shard.state === 'UNASSIGNED')
        .slice(0, UNASSIGNED_SAMPLE_SIZE)
        .map((shard) => ({
          index: shard.index ?? '',
          shard: Number(shard.shard),
          primary: shard.prirep === 'p',
          reason: shard['unassigned.reason'] ?? 'unknown',
        })),
      allocationExplanation: explanation === null ? null : toExplanation(explanation),
    };
  },
};

// The REST answers, reduced to the fields read here.

interface Health {
  cluster_name: string;
  status: string;
  number_of_nodes: number;
  number_of_data_nodes: number;
  active_shards: number;
  active_primary_shards: number;
  unassigned_shards: number;
  /** Since 8.16. */
  unassigned_primary_shards?: number;
  initializing_shards: number;
  relocating_shards: number;
}

interface NodeStats {
  name?: string;
  roles?: string[];
  fs?: { total?: { total_in_bytes?: number; available_in_bytes?: number } };
  jvm?: {
    mem?: { heap_used_percent?: number; pools?: Record<string, { used_in_bytes?: number; max_in_bytes?: number }> };
  };
  thread_pool?: Record<string, { rejected?: number }>;
  breakers?: Record<string, { tripped?: number }>;
  indices?: { shard_stats?: { total_count?: number } };
}

interface NodesStats {
  nodes: Record<string, NodeStats>;
}

interface ClusterSettings {
  persistent: Record<string, unknown>;
  transient: Record<string, unknown>;
  defaults?: Record<string, unknown>;
}

/** Per index, its flat settings (string values). */
type IndexSettings = Record<string, { settings?: Record<string, unknown> }>;

/** A row of `_cat/shards?format=json`: every value a string. */
interface CatShard {
  index?: string;
  shard?: string;
  prirep?: string;
  state?: string;
  'unassigned.reason'?: string;
}

interface Explain {
  index: string;
  shard: number;
  primary: boolean;
  allocate_explanation?: string;
  unassigned_info?: { reason?: string; details?: string };
  node_allocation_decisions?: Array<{ deciders?: Array<{ decider: string; decision: string; explanation: string }> }>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The request's answer, or a rejection once the collection's deadline has passed. */
function beforeDeadline<T>(request: Promise<T>, deadline: AbortSignal, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const expire = () => reject(new Error(`the collection took longer than ${timeoutMs} ms`));
    if (deadline.aborted) expire();
    deadline.addEventListener('abort', expire, { once: true });
    request.then(resolve, reject).finally(() => deadline.removeEventListener('abort', expire));
  });
}

function toNode(node: NodeStats): EsNode {
  const roles = node.roles ?? [];
  const old = node.jvm?.mem?.pools?.old;
  const rejected: Record<string, number> = {};
  for (const [pool, stats] of Object.entries(node.thread_pool ?? {})) {
    if ((stats.rejected ?? 0) > 0) rejected[pool] = stats.rejected ?? 0;
  }
  const tripped: Record<string, number> = {};
  for (const [breaker, stats] of Object.entries(node.breakers ?? {})) {
    if ((stats.tripped ?? 0) > 0) tripped[breaker] = stats.tripped ?? 0;
  }
  return {
    name: node.name ?? 'unknown',
    dataNode: roles.some((role) => role === 'data' || role.startsWith('data_')),
    diskTotalBytes: node.fs?.total?.total_in_bytes ?? 0,
    diskAvailableBytes: node.fs?.total?.available_in_bytes ?? 0,
    heapUsedRatio: (node.jvm?.mem?.heap_used_percent ?? 0) / 100,
    memoryPressure:
      old?.used_in_bytes !== undefined && old.max_in_bytes !== undefined && old.max_in_bytes > 0
        ? old.used_in_bytes / old.max_in_bytes
        : null,
    shards: node.indices?.shard_stats?.total_count ?? 0,
    rejectedSinceStart: rejected,
    breakerTripsSinceStart: tripped,
  };
}

function toExplanation(explain: Explain): AllocationExplanation {
  const refusal = explain.node_allocation_decisions
    ?.flatMap((node) => node.deciders ?? [])
    .find((decider) => decider.decision === 'NO');
  return {
    index: explain.index,
    shard: explain.shard,
    primary: explain.primary,
    reason: explain.unassigned_info?.reason ?? 'unknown',
    decider: refusal?.decider ?? null,
    explanation: refusal?.explanation ?? explain.allocate_explanation ?? explain.unassigned_info?.details ?? '',
  };
}

/** Parses a watermark as Elasticsearch does: "90%", a ratio "0.9", or an absolute free space "50gb". */
export function parseWatermark(value: string | undefined, maxHeadroom: string | undefined): Watermark | null {
  if (value === undefined) return null;
  const text = value.trim();
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text);
  const ratio = percent === null ? /^(0(?:\.\d+)?|1(?:\.0+)?)$/.exec(text) : null;
  if (percent !== null || ratio !== null) {
    const usedRatio = percent?.[1] !== undefined ? Number(percent[1]) / 100 : Number(ratio?.[1]);
    const headroom = maxHeadroom === undefined ? null : parseBytes(maxHeadroom);
    return { kind: 'ratio', usedRatio, maxHeadroomBytes: headroom !== null && headroom >= 0 ? headroom : null, text };
  }
  const freeBytes = parseBytes(text);
  return freeBytes === null ? null : { kind: 'free', freeBytes, text };
}

/** Free bytes a node must keep to stay under the watermark. */
export function requiredFreeBytes(watermark: Watermark, totalBytes: number): number {
  if (watermark.kind === 'free') return watermark.freeBytes;
  const byRatio = Math.round((1 - watermark.usedRatio) * totalBytes);
  return watermark.maxHeadroomBytes === null ? byRatio : Math.min(byRatio, watermark.maxHeadroomBytes);
}

const BYTE_UNITS: Record<string, number> = { b: 1, kb: 2 ** 10, mb: 2 ** 20, gb: 2 ** 30, tb: 2 ** 40, pb: 2 ** 50 };

function parseBytes(value: string): number | null {
  if (value.trim() === '-1') return -1;
  const match = /^(\d+(?:\.\d+)?)\s*([kmgtp]?b)$/i.exec(value.trim());
  const unit = match?.[2] === undefined ? undefined : BYTE_UNITS[match[2].toLowerCase()];
  return match === null || unit === undefined ? null : Number(match[1]) * unit;
}

function watermarkOf(effective: (key: string) => string | undefined, level: string): Watermark | null {
  const key = `${DISK_SETTINGS}.watermark.${level}`;
  return parseWatermark(effective(key), effective(`${key}.max_headroom`));
}
