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
  const unknown = unknownSetting(ConfigSchema, converted, '');
  if (unknown !== undefined) throw new ConfigError(`unknown setting ${unknown}`);
  const errors = [...Value.Errors(ConfigSchema, converted)];
  const first = errors[0];
  if (first !== undefined) {
    const path = first.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(root)';
    const from = origin.has(path) ? ` (from ${origin.get(path)})` : '';
    throw new ConfigError(`invalid setting ${path}${from}: ${describeProblem(path, first.message)}`);
  }
  const config = converted as Config;
  for (const endpoint of ['llm', 'embeddings'] as const) {
    const { baseUrl, model } = config[endpoint];
    if ((baseUrl === undefined) !== (model === undefined)) {
      throw new ConfigError(`${endpoint}.baseUrl and ${endpoint}.model must be set together`);
    }
  }
  return config;
}

/** Plugin ids must name an installed plugin: a typo would otherwise leave a connector unconfigured silently. */
export function checkConnectorPlugins(config: Config, pluginIds: readonly string[]): void {
  for (const id of Object.keys(config.connectors)) {
    if (!pluginIds.includes(id)) {
      throw new ConfigError(`unknown plugin "${id}" in connectors (installed: ${pluginIds.join(', ')})`);
    }
  }
}

type SchemaNode = {
  type?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: unknown;
  anyOf?: SchemaNode[];
  const?: unknown;
};

/** The first key that the schema does not know, as a dotted path. */
function unknownSetting(schema: SchemaNode, value: unknown, prefix: string): string | undefined {
  if (schema.properties === undefined || typeof value !== 'object' || value === null) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const known = schema.properties[key];
    if (known === undefined) {
      if (schema.additionalProperties === false) return path;
      continue;
    }
    const deeper = unknownSetting(known, child, path);
    if (deeper !== undefined) return deeper;
  }
  return undefined;
}

/** Says what a setting accepts where the validator's own words are cryptic (unions of constants). */
function describeProblem(path: string, message: string): string {
  let node: SchemaNode | undefined = ConfigSchema as SchemaNode;
  for (const key of path.split('.')) node = node?.properties?.[key];
  const choices = node?.anyOf?.map((option) => option.const).filter((value) => value !== undefined);
  return choices?.length ? `must be one of ${choices.join(', ')}` : message;
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

/** For entry points: runs `start`, and ends the process with status 2 and the message on a ConfigError. */
export async function exitOnConfigError<T>(program: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${program}: ${error.message}\n`);
    process.exit(2);
  }
}
