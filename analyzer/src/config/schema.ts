/** The analyzer's settings: one schema, with defaults that work without any configuration file. */
import { type Static, Type } from 'typebox';

const Url = Type.String({ pattern: '^https?://', description: 'http(s) URL' });

const ConnectorSettings = Type.Object(
  {
    url: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'Connection URL template for every instance of this plugin; {address}, {host} and {port} are replaced',
      }),
    ),
    instances: Type.Optional(
      Type.Record(Type.String(), Type.String({ minLength: 1 }), {
        description: 'Connection URL per instance label value (host:port), overriding `url`',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ConfigSchema = Type.Object(
  {
    server: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1', minLength: 1 }),
        port: Type.Integer({ default: 8085, minimum: 0, maximum: 65535 }),
      },
      { additionalProperties: false, default: {} },
    ),
    auth: Type.Object(
      {
        token: Type.Optional(Type.String({ minLength: 16, description: 'Bearer token required on every API call' })),
        tokenFile: Type.String({
          default: 'data/api-token',
          description: 'Where a generated token is kept when no token is configured',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    prometheus: Type.Object(
      {
        url: Type.String({ ...Url, default: 'http://127.0.0.1:9090' }),
        scrapeIntervalSeconds: Type.Integer({
          default: 15,
          minimum: 1,
          maximum: 3600,
          description: 'The longest scrape interval of the exporters; rate() ranges span at least four of them',
        }),
        timeoutMs: Type.Integer({ default: 5000, minimum: 100, maximum: 120_000 }),
        retries: Type.Integer({ default: 2, minimum: 0, maximum: 10 }),
      },
      { additionalProperties: false, default: {} },
    ),
    elasticsearch: Type.Object(
      {
        url: Type.String({ ...Url, default: 'http://127.0.0.1:9200' }),
        index: Type.String({ default: 'kubestack-logs-*', minLength: 1 }),
        username: Type.Optional(Type.String()),
        password: Type.Optional(Type.String()),
        apiKey: Type.Optional(Type.String()),
        timeoutMs: Type.Integer({ default: 5000, minimum: 100, maximum: 120_000 }),
        retries: Type.Integer({ default: 2, minimum: 0, maximum: 10 }),
      },
      { additionalProperties: false, default: {} },
    ),
    diagnose: Type.Object(
      {
        windowMinutes: Type.Integer({ default: 15, minimum: 1, maximum: 10_080 }),
        connectorTimeoutMs: Type.Integer({ default: 3000, minimum: 100, maximum: 60_000 }),
        logLines: Type.Integer({ default: 500, minimum: 0, maximum: 10_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    inventory: Type.Object(
      { cacheSeconds: Type.Integer({ default: 15, minimum: 0, maximum: 3600 }) },
      { additionalProperties: false, default: {} },
    ),
    datasources: Type.Record(
      Type.String({ minLength: 1 }),
      Type.Union([Type.Literal('prometheus'), Type.Literal('elasticsearch')]),
      {
        default: { 'kubestack-prometheus': 'prometheus', 'kubestack-elasticsearch': 'elasticsearch' },
        description:
          "Grafana data-source uid → the analyzer's source that answers its queries (explain resolves panel targets through it)",
      },
    ),
    topology: Type.Object(
      {
        dependencies: Type.Array(
          Type.Object(
            {
              from: Type.String({
                minLength: 1,
                description: 'What depends: an instance id (`redis:10.0.0.5:6379`) or a service (`service:checkout`)',
              }),
              to: Type.String({ minLength: 1, description: 'What it depends on, in the same notation' }),
            },
            { additionalProperties: false },
          ),
          { default: [], description: 'Declared dependencies that root-cause analysis follows' },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    rca: Type.Object(
      {
        maxWindowMinutes: Type.Integer({
          default: 1440,
          minimum: 5,
          maximum: 10_080,
          description: 'Longest window explain and rca accept',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    kb: Type.Object(
      {
        uri: Type.String({
          default: 'data/kb',
          minLength: 1,
          description:
            'Where the knowledge base lives: a local folder (embedded LanceDB) or an object-store URI (s3://…)',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    llm: Type.Object(
      {
        baseUrl: Type.Optional(
          Type.String({
            ...Url,
            description: 'OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1; unset: no LLM',
          }),
        ),
        model: Type.Optional(Type.String({ minLength: 1 })),
        apiKey: Type.Optional(Type.String({ description: 'Sent only to baseUrl; never logged' })),
        timeoutMs: Type.Integer({ default: 20_000, minimum: 500, maximum: 300_000 }),
        redactIps: Type.Boolean({ default: true, description: 'Mask IP addresses in what is sent to the LLM' }),
      },
      { additionalProperties: false, default: {} },
    ),
    embeddings: Type.Object(
      {
        baseUrl: Type.Optional(
          Type.String({ ...Url, description: 'OpenAI-compatible embeddings endpoint; unset: full-text search only' }),
        ),
        model: Type.Optional(Type.String({ minLength: 1 })),
        apiKey: Type.Optional(Type.String()),
        timeoutMs: Type.Integer({ default: 10_000, minimum: 500, maximum: 120_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    connectors: Type.Record(Type.String(), ConnectorSettings, { default: {} }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
      { default: 'info' },
    ),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;

/**
 * Environment variables and the setting each one sets. Values are strings; numbers are
 * converted by the schema's rules when validated.
 */
export const ENVIRONMENT: Record<string, string> = {
  KSA_HOST: 'server.host',
  KSA_PORT: 'server.port',
  KSA_API_TOKEN: 'auth.token',
  KSA_API_TOKEN_FILE: 'auth.tokenFile',
  KSA_PROMETHEUS_URL: 'prometheus.url',
  KSA_PROMETHEUS_SCRAPE_INTERVAL_SECONDS: 'prometheus.scrapeIntervalSeconds',
  KSA_PROMETHEUS_TIMEOUT_MS: 'prometheus.timeoutMs',
  KSA_PROMETHEUS_RETRIES: 'prometheus.retries',
  KSA_ELASTICSEARCH_URL: 'elasticsearch.url',
  KSA_ELASTICSEARCH_INDEX: 'elasticsearch.index',
  KSA_ELASTICSEARCH_USERNAME: 'elasticsearch.username',
  KSA_ELASTICSEARCH_PASSWORD: 'elasticsearch.password',
  KSA_ELASTICSEARCH_API_KEY: 'elasticsearch.apiKey',
  KSA_ELASTICSEARCH_TIMEOUT_MS: 'elasticsearch.timeoutMs',
  KSA_ELASTICSEARCH_RETRIES: 'elasticsearch.retries',
  KSA_DIAGNOSE_WINDOW_MINUTES: 'diagnose.windowMinutes',
  KSA_CONNECTOR_TIMEOUT_MS: 'diagnose.connectorTimeoutMs',
  KSA_DIAGNOSE_LOG_LINES: 'diagnose.logLines',
  KSA_INVENTORY_CACHE_SECONDS: 'inventory.cacheSeconds',
  KSA_RCA_MAX_WINDOW_MINUTES: 'rca.maxWindowMinutes',
  KSA_KB_URI: 'kb.uri',
  KSA_LLM_BASE_URL: 'llm.baseUrl',
  KSA_LLM_MODEL: 'llm.model',
  KSA_LLM_API_KEY: 'llm.apiKey',
  KSA_LLM_TIMEOUT_MS: 'llm.timeoutMs',
  KSA_LLM_REDACT_IPS: 'llm.redactIps',
  KSA_EMBEDDINGS_BASE_URL: 'embeddings.baseUrl',
  KSA_EMBEDDINGS_MODEL: 'embeddings.model',
  KSA_EMBEDDINGS_API_KEY: 'embeddings.apiKey',
  KSA_EMBEDDINGS_TIMEOUT_MS: 'embeddings.timeoutMs',
  KSA_LOG_LEVEL: 'logLevel',
};

/** `KSA_CONNECTOR_<PLUGIN>_URL` sets `connectors.<plugin>.url` (plugin id in upper case, `-` as `_`). */
export const CONNECTOR_URL_ENV = /^KSA_CONNECTOR_([A-Z0-9_]+)_URL$/;
