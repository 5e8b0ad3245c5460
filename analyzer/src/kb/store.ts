/**
 * The fault cases in LanceDB: embedded in a folder by default, or on an object store (s3://, gs://, az://,
 * credentials from the usual environment variables). One `cases` table holds each case as JSON with the
 * text the full-text index reads; vectors live in one table per embeddings model, so that changing the
 * model never mixes incomparable vectors. Writes go one at a time; a case's highest version wins.
 * Every failure of the storage is a KnowledgeBaseUnavailableError naming the knowledge base.
 */
import { resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Connection, Table } from '@lancedb/lancedb';
import { Field, FixedSizeList, Float32, Int32, Schema, Utf8 } from 'apache-arrow';
import type { FaultCase } from './case.ts';
import { fullTextOf, withIdentifierWords } from './search-text.ts';

export class KnowledgeBaseUnavailableError extends Error {
  override name = 'KnowledgeBaseUnavailableError';
}

export interface CaseFilter {
  middleware?: string | undefined;
  faultClass?: string | undefined;
}

export interface UpsertReport {
  inserted: string[];
  updated: string[];
  /** Same version as stored but different content: the stored case stays (raise the version to replace it). */
  diverged: string[];
}

// A type, not an interface: rows must be assignable to LanceDB's Record<string, unknown>.
type CaseRow = {
  id: string;
  middleware: string;
  fault_class: string;
  version: number;
  title: string;
  text: string;
  doc: string;
};

const CASES = 'cases';

const CASES_SCHEMA = new Schema([
  new Field('id', new Utf8(), false),
  new Field('middleware', new Utf8(), false),
  new Field('fault_class', new Utf8(), false),
  new Field('version', new Int32(), false),
  new Field('title', new Utf8(), false),
  new Field('text', new Utf8(), false),
  new Field('doc', new Utf8(), false),
]);

function vectorsSchema(dimension: number): Schema {
  return new Schema([
    new Field('id', new Utf8(), false),
    new Field('middleware', new Utf8(), false),
    new Field('fault_class', new Utf8(), false),
    new Field('version', new Int32(), false),
    new Field('vector', new FixedSizeList(dimension, new Field('item', new Float32(), true)), false),
  ]);
}

/**
 * Tokenizer settings of the full-text index: English stemming, accents folded. Stop words stay: in log
 * lines and errors they carry meaning ("no space left", "not allowed", "as failing").
 */
const FULL_TEXT_INDEX = {
  baseTokenizer: 'simple',
  language: 'English',
  lowercase: true,
  stem: true,
  removeStopWords: false,
  asciiFolding: true,
  withPosition: false,
} as const;

/** The index is named after its settings, so that changing them rebuilds it at the next start. */
const FULL_TEXT_INDEX_NAME = `text_fts_${fnv1a(JSON.stringify(FULL_TEXT_INDEX))}`;

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

type LanceDb = typeof import('@lancedb/lancedb');
let lancedb: Promise<LanceDb> | undefined;

/** Loads LanceDB once; its native log would otherwise print a WARN line on stderr for each new dataset. */
function loadLanceDb(): Promise<LanceDb> {
  process.env.LANCEDB_LOG ??= 'error';
  lancedb ??= import('@lancedb/lancedb');
  return lancedb;
}

/** Quotes a value for a LanceDB (DataFusion SQL) filter. */
function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function whereOf(filter: CaseFilter): string | undefined {
  const parts: string[] = [];
  if (filter.middleware !== undefined) parts.push(`middleware = ${sqlString(filter.middleware)}`);
  if (filter.faultClass !== undefined) parts.push(`fault_class = ${sqlString(filter.faultClass)}`);
  return parts.length > 0 ? parts.join(' AND ') : undefined;
}

function rowOf(faultCase: FaultCase): CaseRow {
  return {
    id: faultCase.id,
    middleware: faultCase.middleware,
    fault_class: faultCase.faultClass,
    version: faultCase.version,
    title: faultCase.title,
    text: fullTextOf(faultCase),
    doc: JSON.stringify(faultCase),
  };
}

/** A short stable hash (FNV-1a, 32 bits, hex) for names. */
function fnv1a(text: string): string {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619) >>> 0;
  return hash.toString(16);
}

/** A table name for a model's vectors: readable, and distinct for distinct model names. */
function vectorTableName(model: string): string {
  const slug = model
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 40);
  return `vectors_${slug}_${fnv1a(model)}`;
}

/** Ids by ascending cost, equal costs by id: the same query always gives the same order. */
function rankedIds<Row extends { id: string }>(rows: Row[], cost: (row: Row) => number): string[] {
  return rows.sort((a, b) => cost(a) - cost(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((row) => row.id);
}

/** The first line of a native error, without the Rust source locations it carries. */
function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split('\n')[0] ?? text;
  return line.replace(/,?\s*\/\S+\.rs:\d+:\d+.*$/, '').slice(0, 400);
}

export class CaseStore {
  readonly uri: string;
  readonly #db: Connection;
  readonly #cases: Table;
  /** Open vector tables by model. */
  readonly #vectorTables = new Map<string, Table>();
  readonly #onUpkeepError: (error: Error) => void;
  #writes: Promise<unknown> = Promise.resolve();

  private constructor(uri: string, db: Connection, cases: Table, onUpkeepError: (error: Error) => void) {
    this.uri = uri;
    this.#onUpkeepError = onUpkeepError;
    this.#db = db;
    this.#cases = cases;
  }

  /**
   * Opens (creating when needed) the store at `uri`, and brings its full-text index up to date.
   * `onUpkeepError` hears of upkeep that failed after a write succeeded (compaction, old versions).
   */
  static async open(uri: string, onUpkeepError: (error: Error) => void = () => {}): Promise<CaseStore> {
    const remote = SCHEME.test(uri) && !uri.startsWith('file://');
    const location = remote ? uri : resolve(uri.replace(/^file:\/\//, ''));
    const { connect } = await loadLanceDb();
    let db: Connection | undefined;
    try {
      db = await connect(location, {
        // One retry: an object store that does not answer is reported in about two seconds, not minutes.
        ...(remote ? { storageOptions: { client_max_retries: '1', client_retry_timeout: '10' } } : {}),
      });
      const cases = await db.createEmptyTable(CASES, CASES_SCHEMA, { existOk: true });
      const store = new CaseStore(location, db, cases, onUpkeepError);
      await store.#refreshSearchText();
      return store;
    } catch (error) {
      db?.close();
      throw new KnowledgeBaseUnavailableError(`knowledge base: cannot open ${location}: ${reason(error)}`);
    }
  }

  close(): void {
    for (const table of this.#vectorTables.values()) table.close();
    this.#vectorTables.clear();
    this.#cases.close();
    this.#db.close();
  }

  /** Runs storage work, reporting its failure as the knowledge base being unavailable. */
  async #io<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof KnowledgeBaseUnavailableError) throw error;
      throw new KnowledgeBaseUnavailableError(`knowledge base: ${what} failed on ${this.uri}: ${reason(error)}`);
    }
  }

  /** Queues a write behind the previous ones, so that check-then-write steps do not interleave. */
  #write<T>(what: string, work: () => Promise<T>): Promise<T> {
    const next = this.#writes.then(() => this.#io(what, work));
    this.#writes = next.catch(() => undefined);
    return next;
  }

  async #rows(where: string | undefined, columns: readonly (keyof CaseRow)[]): Promise<CaseRow[]> {
    let query = this.#cases.query().select([...columns]);
    if (where !== undefined) query = query.where(where);
    return (await query.toArray()) as CaseRow[];
  }

  /**
   * Brings a store up to date at open: indexed text written by an older version of this code, a full-text
   * index built with other settings or missing rows (another process wrote, or a write stopped half-way).
   */
  async #refreshSearchText(): Promise<void> {
    const rows = await this.#rows(undefined, ['id', 'text', 'doc']);
    const stale = rows
      .map((row) => rowOf(JSON.parse(row.doc) as FaultCase))
      .filter((fresh, index) => fresh.text !== rows[index]?.text);
    if (stale.length > 0) await this.#cases.mergeInsert('id').whenMatchedUpdateAll().execute(stale);
    const indices = await this.#cases.listIndices();
    for (const index of indices) {
      const old = index.name !== FULL_TEXT_INDEX_NAME && index.indexType === 'FTS' && index.columns.includes('text');
      if (old) await this.#cases.dropIndex(index.name);
    }
    const current = indices.some((index) => index.name === FULL_TEXT_INDEX_NAME);
    const unindexed = current ? ((await this.#cases.indexStats(FULL_TEXT_INDEX_NAME))?.numUnindexedRows ?? 1) : 1;
    if (stale.length > 0 || unindexed > 0) await this.#reindex();
  }

  /**
   * Rebuilds the full-text index over every row, then compacts files and drops versions older than a week.
   * A full rebuild (milliseconds for hundreds of cases) rather than LanceDB's incremental merge, which
   * panics in 0.30 once rows have been updated in place. Rows written since the last rebuild are searched
   * unindexed meanwhile, so a failed upkeep step loses nothing: it is reported, not thrown.
   */
  async #reindex(): Promise<void> {
    const { Index } = await loadLanceDb();
    const config = Index.fts(FULL_TEXT_INDEX);
    await this.#cases.createIndex('text', { config, name: FULL_TEXT_INDEX_NAME, replace: true });
    await this.#upkeep(this.#cases);
  }

  async #upkeep(table: Table): Promise<void> {
    try {
      await table.optimize();
    } catch (error) {
      this.#onUpkeepError(new Error(`knowledge base: tidying ${this.uri} failed: ${reason(error)}`));
    }
  }

  /**
   * Writes the cases that are new or carry a higher version than the stored ones; the rest are left
   * untouched, so the same input twice writes nothing the second time.
   */
  upsert(cases: readonly FaultCase[]): Promise<UpsertReport> {
    return this.#write('upsert', async () => {
      const report: UpsertReport = { inserted: [], updated: [], diverged: [] };
      const stored = new Map((await this.#rows(undefined, ['id', 'version', 'doc'])).map((row) => [row.id, row]));
      const newest = new Map<string, FaultCase>();
      for (const faultCase of cases) {
        const seen = newest.get(faultCase.id);
        if (!seen || faultCase.version > seen.version) newest.set(faultCase.id, faultCase);
      }
      const rows: CaseRow[] = [];
      for (const faultCase of newest.values()) {
        const row = stored.get(faultCase.id);
        const fresh = rowOf(faultCase);
        if (row === undefined) report.inserted.push(faultCase.id);
        else if (faultCase.version > row.version) report.updated.push(faultCase.id);
        else {
          const same = faultCase.version < row.version || isDeepStrictEqual(JSON.parse(row.doc), faultCase);
          if (!same) report.diverged.push(faultCase.id);
          continue;
        }
        rows.push(fresh);
      }
      if (rows.length === 0) return report;
      // The version guard repeats the check in the storage, for writers in other processes.
      await this.#cases
        .mergeInsert('id')
        .whenMatchedUpdateAll({ where: 'target.version < source.version' })
        .whenNotMatchedInsertAll()
        .execute(rows);
      await this.#reindex();
      return report;
    });
  }

  /** Adds a case whose id is not stored yet; false when it is. */
  insert(faultCase: FaultCase): Promise<boolean> {
    return this.#write('insert', async () => {
      const result = await this.#cases
        .mergeInsert('id')
        .whenNotMatchedInsertAll()
        .execute([rowOf(faultCase)]);
      if (result.numInsertedRows === 0) return false;
      await this.#reindex();
      return true;
    });
  }

  /** Replaces a stored case by a higher version of it. */
  replace(faultCase: FaultCase): Promise<'replaced' | 'missing' | { stale: number }> {
    return this.#write('update', async () => {
      const [row] = await this.#rows(`id = ${sqlString(faultCase.id)}`, ['version']);
      if (row === undefined) return 'missing';
      if (faultCase.version <= row.version) return { stale: row.version };
      const result = await this.#cases
        .mergeInsert('id')
        .whenMatchedUpdateAll({ where: 'target.version < source.version' })
        .execute([rowOf(faultCase)]);
      if (result.numUpdatedRows === 0) return { stale: faultCase.version };
      await this.#reindex();
      return 'replaced';
    });
  }

  async get(id: string): Promise<FaultCase | undefined> {
    return (await this.getMany([id])).get(id);
  }

  async getMany(ids: readonly string[]): Promise<Map<string, FaultCase>> {
    if (ids.length === 0) return new Map();
    const rows = await this.#io('read', () => this.#rows(`id IN (${ids.map(sqlString).join(', ')})`, ['doc']));
    return new Map(rows.map((row) => JSON.parse(row.doc) as FaultCase).map((found) => [found.id, found]));
  }

  /** Cases matching the filter, by id; `total` counts all of them. */
  async list(filter: CaseFilter, limit: number): Promise<{ total: number; cases: FaultCase[] }> {
    const rows = await this.#io('list', () => this.#rows(whereOf(filter), ['id', 'doc']));
    rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { total: rows.length, cases: rows.slice(0, limit).map((row) => JSON.parse(row.doc) as FaultCase) };
  }

  /** Ids of the cases whose text best matches the query (BM25), best first. */
  async fullText(query: string, filter: CaseFilter, limit: number): Promise<string[]> {
    const { MatchQuery } = await loadLanceDb();
    return this.#io('full-text search', async () => {
      let search = this.#cases
        .query()
        .fullTextSearch(new MatchQuery(withIdentifierWords(query), 'text'))
        .select(['id', '_score'])
        .limit(limit);
      const where = whereOf(filter);
      if (where !== undefined) search = search.where(where);
      const rows = (await search.toArray()) as Array<{ id: string; _score: number }>;
      return rankedIds(rows, (row) => -row._score);
    });
  }

  /** Cases of the store with no vector of their current version for `model`. */
  async withoutVectors(model: string): Promise<FaultCase[]> {
    return this.#io('vector check', async () => {
      const cases = await this.#rows(undefined, ['id', 'version', 'doc']);
      const table = await this.#vectorTable(model);
      const embedded = new Map<string, number>();
      for (const row of ((await table?.query().select(['id', 'version']).toArray()) ?? []) as CaseRow[]) {
        embedded.set(row.id, row.version);
      }
      return cases.filter((row) => embedded.get(row.id) !== row.version).map((row) => JSON.parse(row.doc));
    });
  }

  async #vectorTable(model: string): Promise<Table | undefined> {
    const name = vectorTableName(model);
    const open = this.#vectorTables.get(name);
    if (open) return open;
    if (!(await this.#db.tableNames()).includes(name)) return undefined;
    const table = await this.#db.openTable(name);
    this.#vectorTables.set(name, table);
    return table;
  }

  /** Stores vectors of `model` for cases; a model whose vector length changed starts its table afresh. */
  putVectors(model: string, entries: ReadonlyArray<{ case: FaultCase; vector: Float32Array }>): Promise<void> {
    return this.#write('vector write', async () => {
      const first = entries[0];
      if (first === undefined) return;
      const dimension = first.vector.length;
      const rows = entries.map((entry) => ({
        id: entry.case.id,
        middleware: entry.case.middleware,
        fault_class: entry.case.faultClass,
        version: entry.case.version,
        vector: Array.from(entry.vector),
      }));
      const name = vectorTableName(model);
      let table = await this.#vectorTable(model);
      const field = table && (await table.schema()).fields.find((candidate) => candidate.name === 'vector');
      if (table && (field?.type as FixedSizeList | undefined)?.listSize !== dimension) {
        table.close();
        this.#vectorTables.delete(name);
        await this.#db.dropTable(name);
        table = undefined;
      }
      if (!table) {
        table = await this.#db.createEmptyTable(name, vectorsSchema(dimension), { existOk: true });
        this.#vectorTables.set(name, table);
      }
      await table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(rows);
      await this.#upkeep(table);
    });
  }

  /** Ids of the cases whose vectors are nearest to `vector` (cosine), best first. */
  async nearest(model: string, vector: Float32Array, filter: CaseFilter, limit: number): Promise<string[]> {
    return this.#io('vector search', async () => {
      const table = await this.#vectorTable(model);
      if (!table) return [];
      let search = table
        .vectorSearch(Array.from(vector))
        .distanceType('cosine')
        .select(['id', '_distance'])
        .limit(limit);
      const where = whereOf(filter);
      if (where !== undefined) search = search.where(where);
      const rows = (await search.toArray()) as Array<{ id: string; _distance: number }>;
      return rankedIds(rows, (row) => row._distance);
    });
  }
}
