/**
 * The fault cases plugins ship: one YAML file per case at `<plugin package>/cases/<case id>.yaml`. Files
 * that break the schema, name something their plugin lacks, sit in the wrong plugin or under another name
 * are reported and left out; the rest are returned.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import type { MiddlewarePlugin } from '@kubestack/plugin-sdk';
import { parse as parseYaml } from 'yaml';
import { pluginFolder } from '../plugins/registry.ts';
import type { FaultCase } from './case.ts';
import { parseCase, referenceProblems } from './case-checks.ts';

export interface CaseFileProblem {
  /** The file, relative to the working directory. */
  file: string;
  problems: string[];
}

export interface ShippedCases {
  cases: FaultCase[];
  /** Per plugin id, how many valid cases it ships. */
  counts: Record<string, number>;
  problems: CaseFileProblem[];
}

const CASE_FILE = /\.ya?ml$/;

/** The folder holding a plugin's case files, or undefined when the plugin is no package. */
export function casesFolder(pluginId: string): string | undefined {
  const folder = pluginFolder(pluginId);
  return folder === undefined ? undefined : join(folder, 'cases');
}

async function caseFiles(folder: string): Promise<string[]> {
  try {
    const names = await readdir(folder);
    return names.filter((name) => CASE_FILE.test(name)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Reads and checks one case file of `plugin`. */
export async function readCaseFile(
  file: string,
  plugin: MiddlewarePlugin,
  plugins: readonly MiddlewarePlugin[],
): Promise<{ case: FaultCase } | { problems: string[] }> {
  let parsed: unknown;
  try {
    parsed = parseYaml(await readFile(file, 'utf8'));
  } catch (error) {
    return { problems: [`cannot read: ${(error as Error).message}`] };
  }
  const result = parseCase(parsed);
  if ('problems' in result) return result;
  const faultCase = result.case;
  const problems = referenceProblems(faultCase, plugins);
  if (faultCase.middleware !== plugin.id) {
    problems.unshift(`/middleware: "${faultCase.middleware}" but the file is a case of plugin ${plugin.id}`);
  }
  const stem = basename(file).replace(CASE_FILE, '');
  if (faultCase.id !== stem) problems.unshift(`/id: "${faultCase.id}" but the file is named ${basename(file)}`);
  return problems.length > 0 ? { problems } : result;
}

/** Every valid case the plugins ship, in plugin order then file name order, and what is wrong with the rest. */
export async function loadShippedCases(
  plugins: readonly MiddlewarePlugin[],
  folderOf: (pluginId: string) => string | undefined = casesFolder,
): Promise<ShippedCases> {
  const shipped: ShippedCases = { cases: [], counts: {}, problems: [] };
  const fileOf = new Map<string, string>();
  for (const plugin of plugins) {
    shipped.counts[plugin.id] = 0;
    const folder = folderOf(plugin.id);
    if (folder === undefined) continue;
    for (const name of await caseFiles(folder)) {
      const file = join(folder, name);
      const shown = relative(process.cwd(), file);
      const result = await readCaseFile(file, plugin, plugins);
      if ('problems' in result) {
        shipped.problems.push({ file: shown, problems: result.problems });
        continue;
      }
      const first = fileOf.get(result.case.id);
      if (first !== undefined) {
        shipped.problems.push({ file: shown, problems: [`/id: "${result.case.id}" is already used by ${first}`] });
        continue;
      }
      fileOf.set(result.case.id, shown);
      shipped.cases.push(result.case);
      shipped.counts[plugin.id] = (shipped.counts[plugin.id] ?? 0) + 1;
    }
  }
  return shipped;
}
