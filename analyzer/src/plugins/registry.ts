/** The installed middleware plugins. Adding one is a dependency plus a line here. */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import elasticsearch from '@kubestack/plugin-elasticsearch';
import kafka from '@kubestack/plugin-kafka';
import mysql from '@kubestack/plugin-mysql';
import postgresql from '@kubestack/plugin-postgresql';
import rabbitmq from '@kubestack/plugin-rabbitmq';
import redis from '@kubestack/plugin-redis';
import type { MiddlewarePlugin } from '@kubestack/plugin-sdk';

export const PLUGINS: readonly MiddlewarePlugin[] = [
  redis,
  postgresql,
  mysql,
  rabbitmq,
  kafka,
  elasticsearch,
] as MiddlewarePlugin[];

/**
 * The folder of an installed plugin's package (where its data files, such as `cases/`, live), or undefined
 * for a plugin that is not a package (one defined in code, as tests do). Resolved through node_modules, so
 * it works from the TypeScript sources and from the bundle alike.
 */
export function pluginFolder(id: string): string | undefined {
  let url: string;
  try {
    url = import.meta.resolve(`@kubestack/plugin-${id}/package.json`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
  return dirname(fileURLToPath(url));
}
