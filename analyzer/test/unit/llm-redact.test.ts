/**
 * Redaction, property-tested: secrets generated at random and planted in realistic contexts never survive (not
 * even an 8-character piece of them), what surrounds them does, and ordinary middleware log text comes out as
 * it went in.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redactor, redactText, redactValue } from '../../src/llm/redact.ts';
import { seededRandom } from './synthetic.ts';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
/** What passwords are made of in configuration files and command lines (no blanks, quotes or separators). */
const PASSWORD_CHARS = `${LOWER}${UPPER}${DIGITS}!#$%^*_+-=~.@`;
const TOKEN_CHARS = `${LOWER}${UPPER}${DIGITS}_-`;
const BASE64 = `${LOWER}${UPPER}${DIGITS}+/`;

function generator(seed: number) {
  const next = seededRandom(seed);
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)] as T;
  const text = (chars: string, length: number) => Array.from({ length }, () => pick([...chars])).join('');
  /** Always a letter and a digit, so it is neither a word nor a number. */
  const secret = (chars: string, min: number, max: number) =>
    `${pick([...LOWER])}${text(chars, int(min, max) - 3)}${pick([...DIGITS])}${pick([...UPPER])}`;
  return {
    int,
    pick,
    text,
    password: () => secret(PASSWORD_CHARS, 10, 28),
    token: () => secret(TOKEN_CHARS, 24, 48),
    hex: (length: number) => text('0123456789abcdef', length),
    email: () =>
      `${text(LOWER, int(3, 8))}${next() < 0.5 ? `.${text(LOWER, int(2, 7))}` : ''}${next() < 0.3 ? `+${text(LOWER, 3)}` : ''}@${text(LOWER, int(3, 9))}.${pick(['com', 'io', 'example.org', 'co.uk'])}`,
    ipv4: () => `${int(1, 223)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`,
    ipv6: () =>
      pick([
        () => `fe80::${int(1, 0xffff).toString(16)}:${int(1, 0xffff).toString(16)}`,
        () => `2001:db8:${Array.from({ length: 6 }, () => int(0, 0xffff).toString(16)).join(':')}`,
        () => `2a02:${int(1, 0xfff).toString(16)}::${int(1, 0xff).toString(16)}`,
      ])(),
  };
}

type Generator = ReturnType<typeof generator>;

interface Planted {
  text: string;
  /** Values that must not survive. */
  secrets: string[];
  /** Parts of the context that must. */
  keeps: string[];
}

const base64url = (text: string) => Buffer.from(text).toString('base64url');

/** Realistic contexts of secrets: configuration, environments, command lines, headers, URLs, SQL, logs. */
const CONTEXTS: Array<(g: Generator) => Planted> = [
  (g) => plant((p) => `connecting with password=${p} user=app host=db`, g.password(), 'password=', ' user=app host=db'),
  (g) => plant((p) => `PGPASSWORD=${p} pg_dump -h db orders`, g.password(), 'PGPASSWORD=', ' pg_dump -h db orders'),
  (g) => plant((p) => `MYSQL_PWD=${p} mysqldump --all-databases`, g.password(), 'MYSQL_PWD=', 'mysqldump'),
  (g) => plant((p) => `{"user":"app","password":"${p}","port":5432}`, g.password(), '"user":"app"', '"port":5432'),
  (g) => plant((p) => `pwd: ${p}`, g.password(), 'pwd: '),
  (g) => plant((p) => `  db.password: '${p}'\n  db.host: primary`, g.password(), 'db.password', 'db.host: primary'),
  (g) => plant((p) => `$conf = ['password' => '${p}'];`, g.password(), "'password' => "),
  (g) => plant((p) => `LOG:  statement: ALTER ROLE app WITH LOGIN PASSWORD '${p}'`, g.password(), 'ALTER ROLE app'),
  (g) => plant((p) => `CREATE USER 'app'@'%' IDENTIFIED BY '${p}';`, g.password(), 'CREATE USER', 'IDENTIFIED BY'),
  (g) => plant((p) => `SET PASSWORD FOR 'app'@'%' = PASSWORD('${p}')`, g.password(), 'SET PASSWORD FOR'),
  (g) => plant((p) => `1700000000.123456 [0 10.0.0.7:51234] "AUTH" "default" "${p}"`, g.password(), '"AUTH"'),
  (g) => plant((p) => `CONFIG SET requirepass ${p}`, g.password(), 'CONFIG SET requirepass '),
  (g) => plant((p) => `mysql -h db -u root -p${p} orders`, g.password(), 'mysql -h db -u root -p', ' orders'),
  (g) => plant((p) => `kafka-configs.sh --password ${p} --describe`, g.password(), '--password ', ' --describe'),
  (g) => plant((p) => `Server=db;Database=orders;User Id=sa;Password=${p};`, g.password(), 'Server=db;Database=orders'),
  (g) =>
    plant(
      (p) => `dsn: postgres://app:${p}@db.internal:5432/orders`,
      g.password(),
      'postgres://',
      '@db.internal:5432/orders',
    ),
  (g) => plant((p) => `connecting to redis://:${p}@cache:6379/0`, g.password(), 'redis://', '@cache:6379/0'),
  (g) =>
    plant((p) => `amqp://guest:${p}@rabbit.internal:5672/%2f`, g.password(), 'amqp://', '@rabbit.internal:5672/%2f'),
  (g) =>
    plant((p) => `mongodb+srv://admin:${p}@cluster0.example.net/db?retryWrites=true`, g.password(), 'mongodb+srv://'),
  (g) => plant((t) => `Authorization: Bearer ${t}`, g.token(), 'Authorization: Bearer '),
  (g) => {
    const credentials = Buffer.from(`app:${g.password()}`).toString('base64');
    return plant(
      (c) => `curl -H 'Authorization: Basic ${c}' http://es:9200`,
      credentials,
      "curl -H 'Authorization: Basic ",
      'http://es:9200',
    );
  },
  (g) => plant((t) => `GET /_cluster/health?api_key=${t}&pretty`, g.token(), '/_cluster/health?api_key=', '&pretty'),
  (g) => plant((t) => `X-Api-Key: ${t}`, g.token(), 'X-Api-Key: '),
  (g) => plant((t) => `refreshing token=${t} for consumer orders`, g.token(), 'for consumer orders'),
  (g) => plant((t) => `{"access_token": "${t}", "expires_in": 3600}`, g.token(), '"expires_in": 3600'),
  (g) => plant((t) => `client_secret=${t}`, g.token(), 'client_secret='),
  (g) => plant((t) => `aws_secret_access_key = ${t}`, g.text(BASE64, 40), 'aws_secret_access_key = '),
  (g) => plant((t) => `secret: ${t}`, g.hex(64), 'secret: '),
  (g) =>
    plant((t) => `using key ${t} for completions`, `sk-${g.text(TOKEN_CHARS, 40)}`, 'using key ', ' for completions'),
  (g) => plant((t) => `credentials from ${t} expired`, `AKIA${g.text(`${UPPER}${DIGITS}`, 16)}`, ' expired'),
  (g) => {
    const jwt = `${base64url('{"alg":"HS256","typ":"JWT"}')}.${base64url(`{"sub":"${g.int(1, 99999)}","name":"${g.text(LOWER, 8)}"}`)}.${g.text(TOKEN_CHARS, 43)}`;
    return plant((t) => `rejected session ${t} (expired)`, jwt, 'rejected session ', ' (expired)');
  },
  (g) =>
    plant(
      (t) => `git clone https://${t}@github.example/org/repo`,
      `ghp_${g.text(`${LOWER}${UPPER}${DIGITS}`, 36)}`,
      '@github.example/org/repo',
    ),
  (g) => {
    const body = Array.from({ length: g.int(3, 8) }, () => g.text(BASE64, 64)).join('\n');
    const key = `-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----`;
    return {
      text: `loaded tls key:\n${key}\nlistening`,
      secrets: body.split('\n'),
      keeps: ['loaded tls key:', 'listening'],
    };
  },
  (g) => {
    const body = g.text(BASE64, 200);
    return { text: `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}`, secrets: [body], keeps: [] };
  },
  (g) => plant((e) => `user ${e} logged in`, g.email(), 'user ', ' logged in'),
  (g) => plant((e) => `{"email":"${e}","role":"admin"}`, g.email(), '"role":"admin"'),
  (g) => {
    const owner = g.text(LOWER, 9);
    const balance = String(g.int(100_000, 9_999_999));
    return {
      text: `LOG:  duration: 12.345 ms  statement: SELECT * FROM accounts WHERE owner = '${owner}' AND balance > ${balance}`,
      secrets: [owner, balance],
      keeps: ['duration: 12.345 ms  statement: SELECT * FROM accounts WHERE owner = ? AND balance > ?'],
    };
  },
  (g) => {
    const ssn = `${g.int(100, 899)}-${g.int(10, 99)}-${g.int(1000, 9999)}`;
    const card = g.text(DIGITS, 16);
    return {
      text: `UPDATE customers SET ssn = '${ssn}', card = ${card} WHERE id = 42`,
      secrets: [ssn, card],
      keeps: ['UPDATE customers SET ssn = ?, card = ? WHERE id = ?'],
    };
  },
  (g) => {
    const name = g.text(LOWER, 10);
    return {
      text: `# Query_time: 3.2  Lock_time: 0.1\nSELECT id FROM users WHERE name = "${name}" LIMIT 10;`,
      secrets: [name],
      keeps: ['# Query_time: 3.2  Lock_time: 0.1', 'SELECT id FROM users WHERE name = ? LIMIT ?;'],
    };
  },
  (g) => {
    const value = g.text(LOWER, 12);
    return {
      text: `DETAIL:  parameters: $1 = '${value}', $2 = '77'`,
      secrets: [value],
      keeps: ['parameters: $1 = ?, $2 = ?'],
    };
  },
  (g) => {
    const body = `secret body ${g.text(LOWER, 10)}`;
    return {
      text: `statement: DO $$ BEGIN PERFORM set_config('app.key', '${body}', false); END $$`,
      secrets: [body],
      keeps: ['statement: DO '],
    };
  },
  (g) =>
    plant((ip) => `connection received: host=${ip} port=51234`, g.ipv4(), 'connection received: host=', ' port=51234'),
  (g) => plant((ip) => `Accepted connection from [${ip}]:6379`, g.ipv6(), 'Accepted connection from [', ']:6379'),
];

function plant(template: (secret: string) => string, secret: string, ...keeps: string[]): Planted {
  return { text: template(secret), secrets: [secret], keeps };
}

/** Pieces of `secret` that `text` still holds: the whole, or any 8-character window of a long one. */
function survivingPieces(text: string, secret: string): string[] {
  if (text.includes(secret)) return [secret];
  const pieces: string[] = [];
  for (let at = 0; at + 8 <= secret.length; at += 1) {
    const window = secret.slice(at, at + 8);
    if (text.includes(window)) pieces.push(window);
  }
  return pieces;
}

describe('redaction', () => {
  it('masks every planted secret in every context, keeping the context', () => {
    let checked = 0;
    for (let seed = 1; seed <= 60; seed += 1) {
      const g = generator(seed);
      for (const [index, context] of CONTEXTS.entries()) {
        const planted = context(g);
        const { text, counts } = redactText(planted.text);
        for (const secret of planted.secrets) {
          assert.deepEqual(
            survivingPieces(text, secret),
            [],
            `seed ${seed}, context ${index}: ${planted.text} → ${text}`,
          );
        }
        for (const keep of planted.keeps) assert.ok(text.includes(keep), `seed ${seed}, context ${index}: ${text}`);
        assert.ok(Object.keys(counts).length > 0, `context ${index} counted nothing`);
        // Redacting again changes nothing: a mask is never mistaken for a secret.
        const again = redactText(text);
        assert.equal(again.text, text);
        checked += 1;
      }
    }
    assert.equal(checked, 60 * CONTEXTS.length);
  });

  it('counts what it masked by kind', () => {
    const { text, counts } = redactText(
      "postgres://app:pw1@db:5432/x user bob@corp.example.com from 10.1.2.3 sent token=abcd1234efgh and statement: SELECT 1 FROM t WHERE a = 'x'",
    );
    assert.deepEqual(counts, { credentials: 1, token: 1, sql: 1, email: 1, ip: 1 });
    assert.equal(
      text,
      'postgres://[redacted:credentials]@db:5432/x user [redacted:email] from [redacted:ip-1] sent token=[redacted:token] and statement: SELECT ? FROM t WHERE a = ?',
    );
  });

  it('keeps IP addresses when told to, and names each one the same way everywhere otherwise', () => {
    const line = 'replica 10.0.0.6:5432 lags behind primary 10.0.0.5:5432; 10.0.0.6 reconnects';
    assert.equal(redactText(line, { ips: false }).text, line);
    const redactor = new Redactor();
    assert.equal(
      redactor.text(line),
      'replica [redacted:ip-1]:5432 lags behind primary [redacted:ip-2]:5432; [redacted:ip-1] reconnects',
    );
    assert.equal(redactor.text('again 10.0.0.5'), 'again [redacted:ip-2]');
    assert.equal(redactor.counts.ip, 4);
  });

  it('leaves ordinary middleware log text as it is', () => {
    const lines = [
      '1:M 25 Nov 2026 10:00:00.000 * Background saving started by pid 4242',
      '1:M 25 Nov 2026 10:00:01.002 # WARNING: 32 clients rejected: OOM command not allowed when used memory > maxmemory',
      "-OOM command not allowed when used memory > 'maxmemory'.",
      'WRONGTYPE Operation against a key holding the wrong kind of value',
      '2026-11-25 10:00:00.000 UTC [812] FATAL:  password authentication failed for user "app"',
      '2026-11-25 10:00:00.000 UTC [812] DETAIL:  Connection matched pg_hba.conf line 95: "host all all all scram-sha-256"',
      '2026-11-25 10:00:03.114 UTC [813] ERROR:  canceling statement due to lock timeout',
      '2026-11-25 10:00:04.000 UTC [814] LOG:  process 814 still waiting for ShareLock on transaction 7431 after 1000.123 ms',
      '2026-11-25 10:00:05.000 UTC [815] LOG:  checkpoint complete: wrote 1234 buffers (7.5%); 0 WAL file(s) added',
      '2026-11-25 10:00:06.000 UTC [816] FATAL:  sorry, too many clients already',
      "2026-11-25T10:00:00.000000Z 12 [Warning] [MY-010055] [Server] IP address '%s' could not be resolved",
      "2026-11-25T10:00:00.000000Z 8 [Note] Access denied for user 'app'@'localhost' (using password: YES)",
      "2026-11-25T10:00:00.000000Z 9 [Note] Access denied for user 'app'@'localhost' (using password: NO)",
      'InnoDB: Lock wait timeout exceeded; try restarting transaction',
      '2026-11-25 10:00:00.000 [warning] <0.812.0> memory resource limit alarm set on node rabbit@mq-0',
      '2026-11-25 10:00:00.000 [info] <0.900.0> accepting AMQP connection <0.900.0> (localhost:51234 -> localhost:5672)',
      "2026-11-25 10:00:00.000 [error] <0.901.0> closing AMQP connection: user 'guest' can only connect via localhost",
      '[2026-11-25 10:00:00,000] INFO [GroupCoordinator 1]: Preparing to rebalance group orders in state PreparingRebalance with old generation 12 (reason: Adding new member)',
      '[2026-11-25 10:00:00,000] WARN [Consumer clientId=orders-1, groupId=orders] Offset commit failed on partition payments-3 at offset 12345: The coordinator is loading',
      '[2026-11-25 10:00:00,000] ERROR [ReplicaFetcher replicaId=2, leaderId=1, fetcherId=0] Error for partition events-0 at offset 998',
      '[2026-11-25T10:00:00,000][WARN ][o.e.c.r.a.DiskThresholdMonitor] [es-0] high disk watermark [90%] exceeded on [AbCdEf][es-0] free: 4.2gb[8.1%], shards will be relocated away from this node',
      '[2026-11-25T10:00:00,000][INFO ][o.e.c.r.a.AllocationService] [es-0] Cluster health status changed from [GREEN] to [YELLOW] (reason: [shards started [[logs-2026.11.25][0]]])',
      'sasl.mechanism = PLAIN, security.protocol = SASL_SSL, ssl.endpoint.identification.algorithm = https',
      'slow query detected (2.3 s) on 3 shards; the query took 2300 ms',
      'The replica is 42 s behind; WAL receiver restarted at 0/3000060',
      'Rebalance took 15.2 s; 3 members joined, 1 left (session timeout 45000 ms)',
      'authentication succeeded for user app via SCRAM',
    ];
    for (const line of lines) {
      const { text, counts } = redactText(line);
      assert.equal(text, line);
      assert.deepEqual(counts, {});
    }
  });

  it('leaves random prose about middleware as it is', () => {
    const vocabulary = [
      'replica',
      'primary',
      'lag',
      'memory',
      'evicted',
      'keys',
      'connections',
      'rejected',
      'latency',
      'p99',
      'partition',
      'offset',
      'consumer',
      'group',
      'rebalance',
      'queue',
      'backlog',
      'messages',
      'unacked',
      'shard',
      'unassigned',
      'disk',
      'watermark',
      'exceeded',
      'lock',
      'waiting',
      'transaction',
      'checkpoint',
      'vacuum',
      'index',
      'heap',
      'GC',
      'pause',
      'throughput',
      'errors',
      'timeouts',
      'retries',
      'since',
      'after',
      'at',
      'rose',
      'fell',
      'to',
      'by',
      'of',
      'on',
      'in',
      'the',
      'a',
      '(up)',
      '[warn]',
      'node-2',
      'orders-7',
      'v16.2',
    ];
    const g = generator(4242);
    for (let n = 0; n < 500; n += 1) {
      const words = Array.from({ length: g.int(4, 24) }, () =>
        g.pick([
          () => g.pick(vocabulary),
          () => String(g.int(0, 100_000)),
          () => `${g.int(0, 99)}.${g.int(0, 9)}%`,
          () => `${g.int(1, 900)} ms`,
        ])(),
      );
      const line = `${words.join(' ')}${g.pick(['.', '', ';', ':'])}`;
      assert.equal(redactText(line).text, line);
    }
  });

  it('redacts JSON-like values deeply: strings, keys, and whole values of secret-named fields', () => {
    const value = {
      connection: { url: 'postgres://app:Sup3rSecret@db:5432/orders', password: 'hunter2', port: 5432, pin: 1234 },
      auth: { apiKey: 'abc', token: 'plain-looking', tokensUsed: 12, password: 987654 },
      headers: { Authorization: 'Bearer abcdef0123456789' },
      byUser: { 'alice@corp.example.com': 3 },
      lines: [{ timestamp: '2026-11-25T10:00:00Z', message: 'login from 10.0.0.9 with password=letmein9' }],
      when: new Date(Date.UTC(2026, 10, 25)),
      enabled: true,
      nothing: null,
    };
    const { value: redacted, counts } = redactValue(value);
    const json = JSON.stringify(redacted);
    for (const secret of [
      'Sup3rSecret',
      'hunter2',
      'plain-looking',
      'abcdef0123456789',
      'alice@corp',
      '10.0.0.9',
      'letmein9',
      '987654',
      '"abc"',
    ]) {
      assert.ok(!json.includes(secret), `${secret} survived: ${json}`);
    }
    assert.deepEqual((redacted as typeof value).connection.port, 5432);
    assert.deepEqual((redacted as typeof value).auth.tokensUsed, 12);
    assert.equal((redacted as { when: unknown }).when, '2026-11-25T00:00:00.000Z');
    assert.equal((redacted as typeof value).enabled, true);
    assert.equal((redacted as typeof value).nothing, null);
    assert.deepEqual(Object.keys((redacted as typeof value).byUser), ['[redacted:email]']);
    assert.ok((counts.password ?? 0) >= 3 && (counts.token ?? 0) >= 3, JSON.stringify(counts));
  });

  it('survives a cycle', () => {
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    assert.deepEqual(redactValue(cyclic).value, { name: 'x', self: '[circular]' });
  });
});
