/**
 * The knowledge base of fault cases: opened in the background when the analyzer starts (plugins' cases
 * upserted, highest version winning), searched by full text always and by vectors when an embeddings
 * endpoint is configured, the two fused by reciprocal rank. Until it is open, calls wait; if it cannot be
 * opened, they fail with KnowledgeBaseUnavailableError and the next call after a pause tries again.
 */
import type { FaultClass, MiddlewarePlugin } from '@kubestack/plugin-sdk';
import type { FaultCase } from './case.ts';
import { EmbeddingsClient, type EmbeddingsSettings } from './embeddings.ts';
import { type RankedList, type Retriever, reciprocalRankFusion } from './fusion.ts';
import { casesFolder, loadShippedCases, type ShippedCases } from './plugin-cases.ts';
import { embeddingTextOf } from './search-text.ts';
import { type CaseFilter, CaseStore, KnowledgeBaseUnavailableError, type UpsertReport } from './store.ts';

export { KnowledgeBaseUnavailableError } from './store.ts';

export class CaseNotFoundError extends Error {
  override name = 'CaseNotFoundError';
}

/** The write would lose or duplicate data: the id exists already, or the stored version is not lower. */
export class CaseConflictError extends Error {
  override name = 'CaseConflictError';
}

export interface KnowledgeBaseLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface KnowledgeBaseOptions {
  /** A folder, or an object-store URI. */
  uri: string;
  plugins: readonly MiddlewarePlugin[];
  /** Where a plugin's case files are (default: its package's `cases/`); undefined: it ships none. */
  casesFolderOf?: (pluginId: string) => string | undefined;
  /** Unset: full-text search only. */
  embeddings?: EmbeddingsSettings | undefined;
  log?: KnowledgeBaseLog;
  /** Pause before a failed open is tried again (default 30 s). */
  reopenAfterMs?: number;
}

export interface SearchOptions {
  middleware?: string | undefined;
  faultClass?: FaultClass | undefined;
  limit: number;
}

export interface CaseHit {
  case: FaultCase;
  /** Reciprocal-rank-fusion score: the sum over retrievers of 1 / (60 + rank). */
  score: number;
  /** The retrievers that found the case. */
  retrievers: Retriever[];
  ranks: Partial<Record<Retriever, number>>;
}

export interface CaseSearch {
  /** `hybrid` when vectors took part; `fulltext` when none are configured or the endpoint failed. */
  retrieval: 'fulltext' | 'hybrid';
  /** Why vectors did not take part although an embeddings endpoint is configured. */
  vectorError?: string;
  hits: CaseHit[];
}

export interface OpenReport {
  shipped: ShippedCases;
  upsert: UpsertReport;
  /** Cases in the store once open. */
  total: number;
}

/** Candidates each retriever contributes to the fusion. */
const CANDIDATES = 50;
/** Longest query text used (a log excerpt is plenty at this length). */
const MAX_QUERY_CHARS = 4000;
const REOPEN_AFTER_MS = 30_000;

const SILENT: KnowledgeBaseLog = { info: () => {}, warn: () => {} };

export class KnowledgeBase {
  readonly uri: string;
  /** The installed plugins: the middleware and the signals, rules and actions cases may name. */
  readonly plugins: readonly MiddlewarePlugin[];
  readonly #options: KnowledgeBaseOptions;
  readonly #log: KnowledgeBaseLog;
  readonly #embeddings: EmbeddingsClient | undefined;
  #opening: Promise<{ store: CaseStore; report: OpenReport }>;
  #failedAt: number | undefined;
  #closed = false;
  /** Raised by every write; vectors are current when synced at the present generation. */
  #generation = 0;
  #vectorsAt = -1;
  #syncing: Promise<void> | undefined;

  private constructor(options: KnowledgeBaseOptions) {
    this.uri = options.uri;
    this.plugins = options.plugins;
    this.#options = options;
    this.#log = options.log ?? SILENT;
    this.#embeddings = options.embeddings && new EmbeddingsClient(options.embeddings);
    this.#opening = this.#open();
  }

  /** Starts opening the knowledge base in the background; calls wait for it. */
  static open(options: KnowledgeBaseOptions): KnowledgeBase {
    return new KnowledgeBase(options);
  }

  #open(): Promise<{ store: CaseStore; report: OpenReport }> {
    const started = performance.now();
    const attempt = (async () => {
      const shipped = await loadShippedCases(this.#options.plugins, this.#options.casesFolderOf ?? casesFolder);
      for (const { file, problems } of shipped.problems) {
        this.#log.warn({ file, problems }, 'knowledge base: case file left out');
      }
      const store = await CaseStore.open(this.uri, (error) =>
        this.#log.warn({ err: error.message }, 'knowledge base: upkeep failed; the data is written'),
      );
      try {
        const upsert = await store.upsert(shipped.cases);
        const total = (await store.list({}, 0)).total;
        return { store, report: { shipped, upsert, total } };
      } catch (error) {
        store.close();
        throw error;
      }
    })();
    attempt.then(
      ({ report }) => {
        this.#failedAt = undefined;
        const { upsert } = report;
        this.#log.info(
          {
            uri: this.uri,
            cases: report.total,
            inserted: upsert.inserted.length,
            updated: upsert.updated.length,
            embeddings: this.#embeddings ? this.#embeddings.model : 'none',
            ms: Math.round(performance.now() - started),
          },
          'knowledge base ready',
        );
        if (upsert.diverged.length > 0) {
          this.#log.warn(
            { cases: upsert.diverged },
            'knowledge base: shipped cases differ from the stored ones at the same version; the stored ones stay',
          );
        }
        if (this.#embeddings) void this.#syncVectorsQuietly();
      },
      (error: Error) => {
        this.#failedAt = Date.now();
        this.#log.warn({ uri: this.uri, err: error.message }, 'knowledge base unavailable');
      },
    );
    return attempt;
  }

  async #store(): Promise<CaseStore> {
    if (this.#closed) throw new KnowledgeBaseUnavailableError('knowledge base: closed');
    const pause = this.#options.reopenAfterMs ?? REOPEN_AFTER_MS;
    if (this.#failedAt !== undefined && Date.now() - this.#failedAt >= pause) {
      this.#failedAt = undefined;
      this.#opening = this.#open();
    }
    try {
      return (await this.#opening).store;
    } catch (error) {
      if (error instanceof KnowledgeBaseUnavailableError) throw error;
      throw new KnowledgeBaseUnavailableError(`knowledge base: cannot open ${this.uri}: ${(error as Error).message}`);
    }
  }

  /** Waits until open; what the start-up upsert did. Rejects with KnowledgeBaseUnavailableError. */
  async ready(): Promise<OpenReport> {
    await this.#store();
    return (await this.#opening).report;
  }

  /** Cases for a query (symptoms in words, a log line…), best first, with the retrievers that found them. */
  async search(query: string, options: SearchOptions): Promise<CaseSearch> {
    const store = await this.#store();
    const text = query.slice(0, MAX_QUERY_CHARS);
    const filter: CaseFilter = { middleware: options.middleware, faultClass: options.faultClass };
    const depth = Math.max(options.limit, CANDIDATES);
    const [fulltext, vector] = await Promise.all([
      store.fullText(text, filter, depth),
      this.#vectorSearch(store, text, filter, depth),
    ]);
    const lists: RankedList[] = [{ retriever: 'fulltext', ids: fulltext }];
    if (vector.ids) lists.push({ retriever: 'vector', ids: vector.ids });
    const fused = reciprocalRankFusion(lists).slice(0, options.limit);
    const cases = await store.getMany(fused.map((hit) => hit.id));
    const hits: CaseHit[] = [];
    for (const hit of fused) {
      const found = cases.get(hit.id);
      if (found === undefined) continue;
      const retrievers = (['fulltext', 'vector'] as const).filter((name) => hit.ranks[name] !== undefined);
      hits.push({ case: found, score: hit.score, retrievers, ranks: hit.ranks });
    }
    return {
      retrieval: vector.ids ? 'hybrid' : 'fulltext',
      ...(vector.error === undefined ? {} : { vectorError: vector.error }),
      hits,
    };
  }

  /** Vector candidates, or why there are none; never throws (full text carries on alone). */
  async #vectorSearch(
    store: CaseStore,
    text: string,
    filter: CaseFilter,
    depth: number,
  ): Promise<{ ids?: string[]; error?: string }> {
    const embeddings = this.#embeddings;
    if (!embeddings) return {};
    try {
      const [[vector]] = await Promise.all([embeddings.embed([text]), this.#syncVectors(store)]);
      if (!vector) return { error: 'embeddings: no vector for the query' };
      return { ids: await store.nearest(embeddings.model, vector, filter, depth) };
    } catch (error) {
      return { error: (error as Error).message };
    }
  }

  /** Embeds the cases whose current version has no vector yet; one sync at a time. */
  #syncVectors(store: CaseStore): Promise<void> {
    const embeddings = this.#embeddings;
    if (!embeddings || this.#vectorsAt === this.#generation) return Promise.resolve();
    this.#syncing ??= (async () => {
      try {
        const generation = this.#generation;
        const missing = await store.withoutVectors(embeddings.model);
        if (missing.length > 0) {
          const vectors = await embeddings.embed(missing.map(embeddingTextOf));
          await store.putVectors(
            embeddings.model,
            missing.map((faultCase, index) => ({ case: faultCase, vector: vectors[index] as Float32Array })),
          );
        }
        this.#vectorsAt = generation;
      } finally {
        this.#syncing = undefined;
      }
    })();
    return this.#syncing;
  }

  async #syncVectorsQuietly(): Promise<void> {
    try {
      await this.#syncVectors(await this.#store());
    } catch (error) {
      if (this.#closed) return;
      this.#log.warn(
        { err: (error as Error).message },
        'knowledge base: cases not embedded yet; search uses full text',
      );
    }
  }

  /** Cases matching the filter, by id; `total` counts all matches. */
  async list(filter: CaseFilter, limit: number): Promise<{ total: number; cases: FaultCase[] }> {
    return (await this.#store()).list(filter, limit);
  }

  async get(id: string): Promise<FaultCase | undefined> {
    return (await this.#store()).get(id);
  }

  /** Adds a new case; CaseConflictError when its id exists. The caller has checked it (case-checks.ts). */
  async add(faultCase: FaultCase): Promise<FaultCase> {
    const store = await this.#store();
    if (!(await store.insert(faultCase))) {
      throw new CaseConflictError(`case "${faultCase.id}" exists; update it with PUT and a higher version`);
    }
    this.#written();
    return faultCase;
  }

  /** Replaces a case by a higher version; CaseNotFoundError or CaseConflictError otherwise. */
  async update(faultCase: FaultCase): Promise<FaultCase> {
    const store = await this.#store();
    const outcome = await store.replace(faultCase);
    if (outcome === 'missing') throw new CaseNotFoundError(`no case "${faultCase.id}"`);
    if (outcome !== 'replaced') {
      throw new CaseConflictError(
        `case "${faultCase.id}" is stored at version ${outcome.stale}; an update needs a higher version than that`,
      );
    }
    this.#written();
    return faultCase;
  }

  #written(): void {
    this.#generation += 1;
    if (this.#embeddings) void this.#syncVectorsQuietly();
  }

  /** Waits for the open and any vector sync under way, then releases the store. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const opened = await this.#opening.catch(() => undefined);
    await this.#syncing?.catch(() => undefined);
    opened?.store.close();
  }
}
