/** The retrieval queries plugins keep beside their cases (test data: product code never reads them). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PLUGINS, pluginFolder } from '../../src/plugins/registry.ts';

export interface CaseQuery {
  case: string;
  kind: 'paraphrase' | 'log';
  query: string;
  /** The file it came from, for messages. */
  file: string;
}

/** Every plugin's retrieval queries (none for a plugin without the file). */
export function loadCaseQueries(): CaseQuery[] {
  const queries: CaseQuery[] = [];
  for (const plugin of PLUGINS) {
    const folder = pluginFolder(plugin.id);
    const file = folder && join(folder, 'test', 'fixtures', 'case-queries.yaml');
    if (!file || !existsSync(file)) continue;
    const entries = parseYaml(readFileSync(file, 'utf8')) as Array<Omit<CaseQuery, 'file'>> | null;
    for (const entry of entries ?? []) queries.push({ ...entry, file: `plugins/${plugin.id}/test/fixtures` });
  }
  return queries;
}

export const TOP = 3;
export const REQUIRED_SHARE = 0.95;
