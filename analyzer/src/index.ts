export { buildApp, VERSION } from './app.ts';
export { loadConfig } from './config/load.ts';
export type { Config } from './config/schema.ts';
