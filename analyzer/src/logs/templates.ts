/**
 * Online log template mining after Drain (He et al., "Drain: An Online Log Parsing Approach with Fixed
 * Depth Tree", ICWS 2017), with bounded memory. A line is masked (values → `<*>`), split into tokens and
 * routed down a fixed-depth prefix tree: first by its token count, then by its leading constant tokens
 * (masked tokens and punctuation carry no routing information and are skipped; tokens with digits go to the
 * `<*>` branch). As in Drain, those leading tokens are taken to be constant: `user alice logged in` and
 * `user bob logged in` stay apart, `login failed for alice` and `login failed for bob` merge.
 * In the leaf, the most similar template takes the line if the share of agreeing tokens reaches the
 * threshold; the template then generalises to `<*>` where they differ. Otherwise the line starts a new
 * cluster.
 *
 * One miner counts lines of two windows, baseline and current, so that a pattern has one id in both.
 * Memory is bounded by caps on clusters (least recently seen evicted first, counted), on children per
 * tree node and clusters per leaf, on tokens and characters per line, and on sample lines per cluster.
 */
import { createHash } from 'node:crypto';
import type { LogLine } from '@kubestack/plugin-sdk';
import { ERROR_FAMILY, LEVEL_FAMILIES, levelFamilyIndex } from './levels.ts';
import { maskMessage, WILDCARD } from './mask.ts';

export const BASELINE = 0;
export const CURRENT = 1;
/** Which window a line belongs to: BASELINE or CURRENT. */
export type WindowIndex = typeof BASELINE | typeof CURRENT;

export interface MinerOptions {
  /** Clusters kept at most; beyond, the least recently seen is evicted. */
  maxClusters: number;
  /** Share of tokens a line must agree on with a template to join it, in (0, 1]. */
  similarity: number;
  /** Depth of the prefix tree: the token-count level, then `depth - 2` leading tokens. */
  depth: number;
  /** Children per tree node, and clusters per leaf (the least recently seen of the leaf is evicted). */
  maxChildren: number;
  /** Tokens kept per line; the rest becomes one trailing `<*>`. */
  maxTokens: number;
  /** Characters of a message looked at; the rest is cut before masking. */
  maxChars: number;
  /** Sample lines kept per cluster and window. */
  samples: number;
  /** Characters kept per sample line. */
  sampleChars: number;
  /** The current window, to count lines per time bucket (for onsets); none when omitted. */
  current?: { from: number; to: number };
  /** Time buckets over the current window. */
  buckets: number;
}

export const DEFAULT_MINER_OPTIONS: MinerOptions = {
  maxClusters: 1000,
  similarity: 0.6,
  depth: 4,
  maxChildren: 100,
  maxTokens: 80,
  maxChars: 2000,
  samples: 3,
  sampleChars: 500,
  buckets: 60,
};

/** A line as the miner needs it: time in ms since the epoch, the level as shipped, the raw message. */
export interface MinedLine {
  timestamp: number;
  level: string;
  message: string;
}

/** One pattern: its template and what was counted of it, per window (index BASELINE or CURRENT). */
export interface PatternCluster {
  /** Stable for the cluster's life, whatever its template becomes. */
  readonly id: string;
  readonly template: string;
  /** Lines per window. */
  readonly counts: Uint32Array;
  /** Lines per window and level family (indexed like LEVEL_FAMILIES). */
  readonly levels: readonly [Uint32Array, Uint32Array];
  /** First and last line in the current window (ms), NaN before any. */
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly samples: readonly [readonly LogLine[], readonly LogLine[]];
  /** Current-window lines per time bucket, when the miner knows the current window. */
  readonly buckets: Uint32Array | undefined;
  /**
   * An earlier cluster of the same first template had baseline lines and was evicted: this pattern's
   * absence from the baseline is not known (counts start again from zero).
   */
  readonly baselineForgotten: boolean;
}

interface TreeNode {
  readonly key: string;
  readonly parent: TreeNode | undefined;
  children: Map<string, TreeNode> | undefined;
  clusters: Cluster[] | undefined;
}

class Cluster implements PatternCluster {
  readonly id: string;
  readonly tokens: string[];
  readonly leaf: TreeNode;
  readonly counts = new Uint32Array(2);
  readonly levels: [Uint32Array, Uint32Array] = [
    new Uint32Array(LEVEL_FAMILIES.length),
    new Uint32Array(LEVEL_FAMILIES.length),
  ];
  firstSeen = Number.NaN;
  lastSeen = Number.NaN;
  readonly samples: [LogLine[], LogLine[]] = [[], []];
  buckets: Uint32Array | undefined;
  baselineForgotten = false;
  /** Number of `<*>` tokens: between equally similar templates, the more general one wins (as in Drain). */
  wildcards: number;
  /** Miner's line counter when last seen: the leaf evicts its smallest. */
  seenAt = 0;
  #template: string | undefined;

  constructor(id: string, tokens: string[], leaf: TreeNode) {
    this.id = id;
    this.tokens = tokens;
    this.leaf = leaf;
    this.wildcards = tokens.reduce((count, token) => count + (token === WILDCARD ? 1 : 0), 0);
  }

  get template(): string {
    this.#template ??= this.tokens.join(' ');
    return this.#template;
  }

  /** Generalises to `<*>` where the line differs. */
  absorb(tokens: readonly string[]): void {
    for (let i = 0; i < tokens.length; i += 1) {
      if (this.tokens[i] !== WILDCARD && this.tokens[i] !== tokens[i]) {
        this.tokens[i] = WILDCARD;
        this.wildcards += 1;
        this.#template = undefined;
      }
    }
  }
}

export class TemplateMiner {
  readonly options: MinerOptions;
  /** Lines per window, whether or not their cluster was evicted since. */
  readonly lines = new Uint32Array(2);
  /** Lines per window and level family. */
  readonly levels: readonly [Uint32Array, Uint32Array] = [
    new Uint32Array(LEVEL_FAMILIES.length),
    new Uint32Array(LEVEL_FAMILIES.length),
  ];
  /** Error-family lines of the current window per time bucket (see MinerOptions.current). */
  readonly errorBuckets: Uint32Array | undefined;
  /** Clusters evicted to stay within the caps. */
  evicted = 0;
  /** Lines cut to maxChars or maxTokens. */
  truncated = 0;

  readonly #root: TreeNode = { key: '', parent: undefined, children: undefined, clusters: undefined };
  /** Every live cluster by id, least recently seen first (a hit moves it to the end). */
  readonly #byRecency = new Map<string, Cluster>();
  readonly #levelCache = new Map<string, number>();
  /** Ids of evicted clusters that had baseline lines, oldest first, at most 4 × maxClusters. */
  readonly #forgotten = new Set<string>();
  #clock = 0;

  constructor(options: Partial<MinerOptions> = {}) {
    this.options = { ...DEFAULT_MINER_OPTIONS, ...options };
    if (!(this.options.similarity > 0 && this.options.similarity <= 1)) {
      throw new RangeError('similarity not in (0, 1]');
    }
    if (this.options.maxClusters < 1 || this.options.maxChildren < 2 || this.options.depth < 3) {
      throw new RangeError('maxClusters ≥ 1, maxChildren ≥ 2 and depth ≥ 3 are required');
    }
    this.errorBuckets = this.options.current ? new Uint32Array(this.options.buckets) : undefined;
  }

  /** Live clusters, least recently seen first. */
  get clusters(): Iterable<PatternCluster> {
    return this.#byRecency.values();
  }

  get size(): number {
    return this.#byRecency.size;
  }

  /** Counts a line in a window; returns the cluster it joined or started. */
  add(window: WindowIndex, line: MinedLine): PatternCluster {
    this.#clock += 1;
    const tokens = this.#tokenize(line.message);
    let cluster = this.#match(tokens);
    if (cluster) {
      cluster.absorb(tokens);
      this.#byRecency.delete(cluster.id);
      this.#byRecency.set(cluster.id, cluster);
    } else cluster = this.#create(tokens);
    cluster.seenAt = this.#clock;
    this.#count(cluster, window, line);
    return cluster;
  }

  #tokenize(message: string): string[] {
    let text = message;
    let cut = false;
    if (text.length > this.options.maxChars) {
      // Detached: the template's tokens are slices of this text and outlive the line.
      text = detachedPrefix(text, this.options.maxChars);
      cut = true;
    }
    const tokens = maskMessage(text).split(/\s+/).filter(Boolean);
    if (tokens.length > this.options.maxTokens) {
      tokens.length = this.options.maxTokens - 1;
      tokens.push(WILDCARD);
      cut = true;
    }
    if (cut) this.truncated += 1;
    return tokens;
  }

  #count(cluster: Cluster, window: WindowIndex, line: MinedLine): void {
    const family = this.#family(line.level);
    cluster.counts[window] = (cluster.counts[window] ?? 0) + 1;
    const clusterLevels = cluster.levels[window];
    clusterLevels[family] = (clusterLevels[family] ?? 0) + 1;
    this.lines[window] = (this.lines[window] ?? 0) + 1;
    const levels = this.levels[window];
    levels[family] = (levels[family] ?? 0) + 1;
    const samples = cluster.samples[window];
    if (samples.length < this.options.samples) {
      samples.push({
        timestamp: Number.isFinite(line.timestamp) ? new Date(line.timestamp).toISOString() : '',
        level: line.level,
        message: detachedPrefix(line.message, this.options.sampleChars),
      });
    }
    if (window !== CURRENT) return;
    if (!(line.timestamp >= cluster.firstSeen)) cluster.firstSeen = line.timestamp;
    if (!(line.timestamp <= cluster.lastSeen)) cluster.lastSeen = line.timestamp;
    const bucket = this.#bucketOf(line.timestamp);
    if (bucket < 0) return;
    cluster.buckets ??= new Uint32Array(this.options.buckets);
    cluster.buckets[bucket] = (cluster.buckets[bucket] ?? 0) + 1;
    if (family === ERROR_FAMILY && this.errorBuckets) {
      this.errorBuckets[bucket] = (this.errorBuckets[bucket] ?? 0) + 1;
    }
  }

  #family(level: string): number {
    let family = this.#levelCache.get(level);
    if (family === undefined) {
      family = levelFamilyIndex(level);
      // Levels are few; a shipper sending garbage must not grow this without bound.
      if (this.#levelCache.size < 256) this.#levelCache.set(level, family);
    }
    return family;
  }

  #bucketOf(timestamp: number): number {
    const span = this.options.current;
    if (!span || !(span.to > span.from)) return -1;
    const bucket = Math.floor(((timestamp - span.from) / (span.to - span.from)) * this.options.buckets);
    return Math.min(Math.max(bucket, 0), this.options.buckets - 1);
  }

  /** The routing keys of a line: its token count, then up to `depth - 2` leading constant tokens. */
  #route(tokens: readonly string[]): string[] {
    const keys = [String(tokens.length)];
    for (const token of tokens) {
      if (keys.length > this.options.depth - 2) break;
      if (!informative(token)) continue;
      keys.push(/\d/.test(token) ? WILDCARD : token);
    }
    return keys;
  }

  #match(tokens: readonly string[]): Cluster | undefined {
    let node: TreeNode | undefined = this.#root;
    for (const key of this.#route(tokens)) {
      node = node.children?.get(key) ?? node.children?.get(WILDCARD);
      if (!node) return undefined;
    }
    let best: Cluster | undefined;
    let bestSimilarity = -1;
    for (const cluster of node.clusters ?? []) {
      const similarity = similarityOf(cluster.tokens, tokens, Math.max(bestSimilarity, this.options.similarity));
      if (
        similarity > bestSimilarity ||
        (similarity === bestSimilarity && best && cluster.wildcards > best.wildcards)
      ) {
        best = cluster;
        bestSimilarity = similarity;
      }
    }
    return bestSimilarity >= this.options.similarity ? best : undefined;
  }

  #create(tokens: string[]): Cluster {
    let node = this.#root;
    for (const key of this.#route(tokens)) node = this.#childFor(node, key);
    node.clusters ??= [];
    if (node.clusters.length >= this.options.maxChildren) {
      this.#evict(node.clusters.reduce((oldest, cluster) => (cluster.seenAt < oldest.seenAt ? cluster : oldest)));
    }
    if (this.#byRecency.size >= this.options.maxClusters) {
      const oldest = this.#byRecency.values().next().value;
      if (oldest) this.#evict(oldest);
    }
    // Eviction may have pruned `node` from the tree: walk down again.
    node = this.#root;
    for (const key of this.#route(tokens)) node = this.#childFor(node, key);
    const cluster = new Cluster(this.#newId(tokens.join(' ')), tokens, node);
    cluster.baselineForgotten = this.#forgotten.has(cluster.id);
    node.clusters ??= [];
    node.clusters.push(cluster);
    this.#byRecency.set(cluster.id, cluster);
    return cluster;
  }

  /** The child for `key`, created within the cap; past it, lines share the `<*>` child (as in Drain). */
  #childFor(node: TreeNode, key: string): TreeNode {
    node.children ??= new Map();
    const existing = node.children.get(key);
    if (existing) return existing;
    const isRoot = node === this.#root; // the token-count level is not capped: lengths never merge
    const hasWildcard = node.children.has(WILDCARD);
    const room = isRoot || node.children.size + (hasWildcard ? 0 : 1) < this.options.maxChildren;
    const chosen = key === WILDCARD || room ? key : WILDCARD;
    let child = node.children.get(chosen);
    if (!child) {
      child = { key: chosen, parent: node, children: undefined, clusters: undefined };
      node.children.set(chosen, child);
    }
    return child;
  }

  #evict(cluster: Cluster): void {
    this.#byRecency.delete(cluster.id);
    this.evicted += 1;
    if ((cluster.counts[BASELINE] ?? 0) > 0 || cluster.baselineForgotten) {
      this.#forgotten.add(cluster.id);
      if (this.#forgotten.size > 4 * this.options.maxClusters) {
        this.#forgotten.delete(this.#forgotten.values().next().value ?? '');
      }
    }
    const clusters = cluster.leaf.clusters ?? [];
    const at = clusters.indexOf(cluster);
    if (at >= 0) clusters.splice(at, 1);
    // Prune nodes left empty, so that the tree stays as small as the live clusters need.
    let node: TreeNode | undefined = cluster.leaf;
    while (node?.parent && !node.clusters?.length && !node.children?.size) {
      node.parent.children?.delete(node.key);
      node = node.parent;
    }
  }

  /** A short hash of the first template; another live cluster may have started from the same text. */
  #newId(template: string): string {
    for (let salt = 0; ; salt += 1) {
      const id = createHash('sha1')
        .update(salt === 0 ? template : `${template}\u0000${salt}`)
        .digest('hex')
        .slice(0, 12);
      if (!this.#byRecency.has(id)) return id;
    }
  }
}

/**
 * The first `length` characters of `text` as a string of their own: V8 shares a slice's memory with the
 * whole, and a sample cut from a 1 MB stack trace must not keep the megabyte alive.
 */
function detachedPrefix(text: string, length: number): string {
  return text.length <= length ? text : Buffer.from(text.slice(0, length)).toString();
}

/**
 * Whether a token can tell messages apart: not a masked value (`<*>`, `[<*>]`: a timestamp or pid in a
 * header) and not bare punctuation (Redis' `*` and `#`, a lone `]` or `-`).
 */
function informative(token: string): boolean {
  if (token.includes(WILDCARD)) return false;
  for (let i = 0; i < token.length; i += 1) {
    const code = token.charCodeAt(i);
    // A letter or digit (ASCII), or anything beyond ASCII.
    if ((code | 32) >= 97 && (code | 32) <= 122) return true;
    if ((code >= 48 && code <= 57) || code > 127) return true;
  }
  return false;
}

/**
 * Share of positions where the line agrees with the template. Positions where both hold the same
 * uninformative token say nothing either way and are left out: in headers they would make every short
 * message alike. A template `<*>` facing a constant counts against (as in Drain, where parameters are
 * not similar).
 * Stops early, returning -1, once `atLeast` cannot be beaten.
 */
function similarityOf(template: readonly string[], tokens: readonly string[], atLeast: number): number {
  let compared = 0;
  let agreeing = 0;
  let against = 0;
  const length = tokens.length;
  for (let i = 0; i < length; i += 1) {
    const expected = template[i] as string;
    const token = tokens[i] as string;
    if (expected === token) {
      if (!informative(token)) continue;
      agreeing += 1;
    } else {
      against += 1;
      // Even if every remaining position agreed, could it still beat `atLeast`?
      if ((length - against) / length < atLeast) return -1;
    }
    compared += 1;
  }
  return compared === 0 ? 1 : agreeing / compared;
}
