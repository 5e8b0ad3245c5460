/** The one configuration loader: optional file (YAML or JSON), then environment, then validation. */
import { readFileSync } from 'node:fs';
import Value from 'typebox/value';
import { parse as parseYaml } from 'yaml';
import { CONNECTOR_URL_ENV, type Config, ConfigSchema, ENVIRONMENT } from './schema.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Tree = Record<string, unknown>;

/**
 * Loads the configuration. `KSA_CONFIG_FILE` names an optional YAML/JSON file; environment
 * variables override it. Throws a ConfigError naming the setting (and the variable) that is wrong.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const tree: Tree = env.KSA_CONFIG_FILE ? readConfigFile(env.KSA_CONFIG_FILE) : {};
  const origin = new Map<string, string>();
  for (const [variable, path] of Object.entries(ENVIRONMENT)) {
    const value = env[variable];
    if (value === undefined || value === '') continue;
    setPath(tree, path, value);
    origin.set(path, variable);
  }
  for (const [variable, value] of Object.entries(env)) {
    const match = CONNECTOR_URL_ENV.exec(variable);
    if (!match?.[1] || !value) continue;
    const plugin = match[1].toLowerCase().replaceAll('_', '-');
    setPath(tree, `connectors.${plugin}.url`, value);
    origin.set(`connectors.${plugin}.url`, variable);
  }
  const converted = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, tree));
  const errors = [...Value.Errors(ConfigSchema, converted)];
  const first = errors[0];
  if (first !== undefined) {
    const path = first.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(root)';
    const from = origin.has(path) ? ` (from ${origin.get(path)})` : '';
    const extra = errors.length > 1 ? ` (and ${errors.length - 1} more problem(s))` : '';
    throw new ConfigError(`invalid setting ${path}${from}: ${first.message}${extra}`);
  }
  return converted as Config;
}

function readConfigFile(file: string): Tree {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read KSA_CONFIG_FILE ${file}: ${(error as Error).message}`);
  }
  try {
    const parsed: unknown = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the top level must be a mapping');
    return parsed as Tree;
  } catch (error) {
    throw new ConfigError(`cannot parse KSA_CONFIG_FILE ${file}: ${(error as Error).message}`);
  }
}

function setPath(tree: Tree, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = tree;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Tree;
  }
  node[keys[keys.length - 1] as string] = value;
}
