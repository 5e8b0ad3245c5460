/** Starts the analyzer: configuration from the environment (and KSA_CONFIG_FILE), then listen. */
import { resolveToken } from './api/auth.ts';
import { buildApp } from './app.ts';
import { exitOnConfigError, loadConfig } from './config/load.ts';
import { PLUGINS } from './plugins/registry.ts';

const started = performance.now();
const { config, app, generated } = await exitOnConfigError('kubestack-analyzer', async () => {
  const config = loadConfig();
  const { token, generated } = resolveToken(config.auth.token, config.auth.tokenFile);
  return { config, generated, app: await buildApp({ config, token, plugins: PLUGINS }) };
});
if (generated) app.log.warn({ tokenFile: config.auth.tokenFile }, 'no KSA_API_TOKEN set: generated one and stored it');

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.log.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

try {
  await app.listen({ host: config.server.host, port: config.server.port });
  app.log.info({ coldStartMs: Math.round(performance.now() - started) }, 'analyzer ready');
} catch (error) {
  app.log.fatal({ err: error }, 'cannot listen');
  process.exit(1);
}
