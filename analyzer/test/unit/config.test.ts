import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, checkConnectorPlugins, loadConfig } from '../../src/config/load.ts';

describe('loadConfig', () => {
  it('works on embedded defaults alone', () => {
    const config = loadConfig({});
    assert.equal(config.server.port, 8085);
    assert.equal(config.prometheus.url, 'http://127.0.0.1:9090');
    assert.equal(config.elasticsearch.index, 'kubestack-logs-*');
    assert.equal(config.diagnose.windowMinutes, 15);
    assert.deepEqual(config.connectors, {});
  });

  it('takes settings from the environment, converting numbers', () => {
    const config = loadConfig({
      KSA_PORT: '9000',
      KSA_PROMETHEUS_URL: 'http://prom:9090',
      KSA_CONNECTOR_REDIS_URL: 'redis://{address}',
      KSA_CONNECTOR_SOME_DB_URL: 'x://{host}',
    });
    assert.equal(config.server.port, 9000);
    assert.equal(config.prometheus.url, 'http://prom:9090');
    assert.deepEqual(config.connectors, { redis: { url: 'redis://{address}' }, 'some-db': { url: 'x://{host}' } });
  });

  it('reads a YAML file and lets the environment override it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksa-config-'));
    const file = join(dir, 'analyzer.yaml');
    writeFileSync(file, 'server:\n  port: 7000\nprometheus:\n  url: http://file:9090\n  timeoutMs: 900\n');
    const config = loadConfig({ KSA_CONFIG_FILE: file, KSA_PROMETHEUS_URL: 'http://env:9090' });
    assert.equal(config.server.port, 7000);
    assert.equal(config.prometheus.url, 'http://env:9090');
    assert.equal(config.prometheus.timeoutMs, 900);
  });

  it('names the bad setting and the variable it came from', () => {
    assert.throws(() => loadConfig({ KSA_PORT: 'eighty' }), {
      name: 'ConfigError',
      message: /^invalid setting server\.port \(from KSA_PORT\): must be integer/,
    });
    assert.throws(
      () => loadConfig({ KSA_PROMETHEUS_URL: 'prom:9090' }),
      /invalid setting prometheus\.url \(from KSA_PROMETHEUS_URL\)/,
    );
    assert.throws(() => loadConfig({ KSA_API_TOKEN: 'short' }), /invalid setting auth\.token \(from KSA_API_TOKEN\)/);
  });

  it('lists the accepted values of a choice', () => {
    assert.throws(
      () => loadConfig({ KSA_LOG_LEVEL: 'loud' }),
      /invalid setting logLevel \(from KSA_LOG_LEVEL\): must be one of fatal, error, warn, info, debug, trace, silent/,
    );
  });

  it('refuses connector settings for a plugin that is not installed', () => {
    const config = loadConfig({ KSA_CONNECTOR_POSTGRES_URL: 'postgres://{address}' });
    assert.throws(() => checkConnectorPlugins(config, ['redis', 'postgresql']), {
      name: 'ConfigError',
      message: 'unknown plugin "postgres" in connectors (installed: redis, postgresql)',
    });
    assert.doesNotThrow(() =>
      checkConnectorPlugins(loadConfig({ KSA_CONNECTOR_REDIS_URL: 'redis://{address}' }), ['redis']),
    );
  });

  it('names unknown keys and unreadable files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksa-config-'));
    const file = join(dir, 'analyzer.json');
    writeFileSync(file, JSON.stringify({ prometheus: { url: 'http://p:9090', timeout: 5 } }));
    assert.throws(() => loadConfig({ KSA_CONFIG_FILE: file }), /^ConfigError: unknown setting prometheus\.timeout$/);
    assert.throws(
      () => loadConfig({ KSA_CONFIG_FILE: join(dir, 'missing.yaml') }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /cannot read KSA_CONFIG_FILE .*missing\.yaml/);
        return true;
      },
    );
    writeFileSync(file, '{ not json');
    assert.throws(() => loadConfig({ KSA_CONFIG_FILE: file }), /cannot parse KSA_CONFIG_FILE/);
  });
});
