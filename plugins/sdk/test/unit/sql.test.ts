import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeSql } from '../../src/index.ts';

const mysql = (text: string): string => normalizeSql(text, { dialect: 'mysql' });

/** Fails when any of `secrets` survives normalizing `text` (in either dialect unless one is given). */
function assertHidden(text: string, secrets: string[], dialect?: 'standard' | 'mysql'): void {
  for (const each of dialect === undefined ? (['standard', 'mysql'] as const) : [dialect]) {
    const normalized = normalizeSql(text, { dialect: each });
    for (const secret of secrets) {
      assert.ok(!normalized.includes(secret), `${each}: "${secret}" survives in ${normalized}`);
    }
  }
}

describe('normalizeSql', () => {
  describe('passwords', () => {
    it('hides the password of ALTER ROLE and CREATE ROLE … PASSWORD', () => {
      assert.equal(normalizeSql("ALTER ROLE app PASSWORD 'hunter2'"), 'ALTER ROLE app PASSWORD ?');
      assert.equal(
        normalizeSql("CREATE ROLE app LOGIN PASSWORD 'hunter2' VALID UNTIL '2030-01-01'"),
        'CREATE ROLE app LOGIN PASSWORD ? VALID UNTIL ?',
      );
      assert.equal(normalizeSql("ALTER USER app WITH PASSWORD $$hun'ter2$$"), 'ALTER USER app WITH PASSWORD ?');
    });

    it('hides the password and account of CREATE USER … IDENTIFIED BY, SET PASSWORD and GRANT', () => {
      assert.equal(mysql("CREATE USER 'bob'@'10.0.%' IDENTIFIED BY 'hunter2'"), 'CREATE USER ?@? IDENTIFIED BY ?');
      assert.equal(
        mysql("ALTER USER 'bob'@'%' IDENTIFIED WITH mysql_native_password BY 'hunter2'"),
        'ALTER USER ?@? IDENTIFIED WITH mysql_native_password BY ?',
      );
      assert.equal(mysql("SET PASSWORD FOR 'bob'@'%' = PASSWORD('hunter2')"), 'SET PASSWORD FOR ?@? = PASSWORD(?)');
      assert.equal(mysql('SET PASSWORD = "hunter2"'), 'SET PASSWORD = ?');
      assert.equal(
        mysql("GRANT SELECT ON shop.* TO 'bob'@'%' IDENTIFIED BY 'hunter2'"),
        'GRANT SELECT ON shop.* TO ?@? IDENTIFIED BY ?',
      );
    });
  });

  describe('string literals', () => {
    it('replaces quoted strings, doubled quotes included', () => {
      assert.equal(
        normalizeSql("SELECT * FROM users WHERE email = 'ann@example.com'"),
        'SELECT * FROM users WHERE email = ?',
      );
      assert.equal(normalizeSql("SELECT 'it''s', 'a', ''"), 'SELECT ?, ?, ?');
      assertHidden("UPDATE t SET note = 'it''s secret' WHERE id = 1", ['secret', "s'"]);
    });

    it('follows the escaping of each dialect, so a quote never ends a string early', () => {
      // PostgreSQL: a backslash is an ordinary character in '…' and escapes only in E'…'.
      assert.equal(normalizeSql("SELECT 'C:\\', 'secret'"), 'SELECT ?, ?');
      assert.equal(normalizeSql("SELECT E'it\\'s secret', e'\\n'"), 'SELECT ?, ?');
      // MySQL: a backslash escapes in every string.
      assert.equal(mysql("SELECT 'it\\'s secret', 'C:\\\\'"), 'SELECT ?, ?');
      assertHidden("SELECT 'a\\'b secret'", ['secret'], 'mysql');
      assertHidden("SELECT E'a\\'b secret'", ['secret'], 'standard');
    });

    it('replaces prefixed strings as a whole: N, U&, and MySQL character set introducers', () => {
      assert.equal(normalizeSql("SELECT N'secret', U&'d\\0061t\\+000061'"), 'SELECT ?, ?');
      assert.equal(mysql("SELECT _utf8mb4'secret', _binary 'secret', N'secret'"), 'SELECT ?, _binary ?, ?');
    });

    it('replaces dollar-quoted strings, tagged or not, whatever they contain', () => {
      assert.equal(normalizeSql('SELECT $$secret$$'), 'SELECT ?');
      assert.equal(normalizeSql("SELECT $body$ it's $$ still 'secret' $body$ AS x"), 'SELECT ? AS x');
      assert.equal(normalizeSql("DO $do$ BEGIN EXECUTE 'ALTER ROLE app PASSWORD ''hunter2'''; END $do$"), 'DO ?');
    });

    it('keeps positional parameters and identifiers holding a dollar sign', () => {
      assert.equal(
        normalizeSql('SELECT * FROM t WHERE a = $1 AND b = $12'),
        'SELECT * FROM t WHERE a = $1 AND b = $12',
      );
      assert.equal(normalizeSql('SELECT a$1 FROM my$table'), 'SELECT a$1 FROM my$table');
    });

    it('replaces what follows an unterminated literal, as in a statement cut short', () => {
      assert.equal(normalizeSql("INSERT INTO t VALUES ('ann', 'secret and more"), 'INSERT INTO t VALUES (?, ?');
      assert.equal(normalizeSql('SELECT $x$ secret'), 'SELECT ?');
      assert.equal(mysql('SELECT "secret'), 'SELECT ?');
    });
  });

  describe('double quotes', () => {
    it('keeps double-quoted identifiers in standard SQL, quotes inside them included', () => {
      assert.equal(
        normalizeSql('SELECT "Order Id", "it\'s" FROM "Shop"."Orders" WHERE "t1"."x" = \'secret\''),
        'SELECT "Order Id", "it\'s" FROM "Shop"."Orders" WHERE "t1"."x" = ?',
      );
      assert.equal(normalizeSql('SELECT "a""b" FROM t'), 'SELECT "a""b" FROM t');
    });

    it('replaces double-quoted strings in the mysql dialect, and keeps backquoted identifiers', () => {
      assert.equal(
        mysql('SELECT * FROM `t\'1` WHERE `name` = "secret" AND b = "x""y\\"z"'),
        "SELECT * FROM `t'1` WHERE `name` = ? AND b = ?",
      );
      assert.equal(mysql('SELECT `a``b` FROM t'), 'SELECT `a``b` FROM t');
    });
  });

  describe('numbers', () => {
    it('replaces integers, decimals, scientific notation and signs in front of them', () => {
      assert.equal(
        normalizeSql('SELECT * FROM t WHERE a = 42 AND b = 3.14 AND c = .5 AND d = 6.02e23 AND e = 1E-9 AND f = 7.'),
        'SELECT * FROM t WHERE a = ? AND b = ? AND c = ? AND d = ? AND e = ? AND f = ?',
      );
      assert.equal(normalizeSql('SELECT -5, +3, - 2, x = -1.5e+3, f(-1), (-7)'), 'SELECT ?, ?, ?, x = ?, f(?), (?)');
      assert.equal(
        normalizeSql('UPDATE t SET n = n - 1, m = m+2 WHERE id = -5'),
        'UPDATE t SET n = n - ?, m = m+? WHERE id = ?',
      );
      assert.equal(normalizeSql('SELECT 1_000_000, 1::text'), 'SELECT ?, ?::text');
    });

    it('keeps digits that belong to identifiers', () => {
      assert.equal(
        normalizeSql('SELECT t1.c2, col_3, x4y FROM t1 JOIN t22 ON t1.id = t22.id'),
        'SELECT t1.c2, col_3, x4y FROM t1 JOIN t22 ON t1.id = t22.id',
      );
      assert.equal(normalizeSql('SELECT * FROM db1.t1 WHERE t1.v2 = 3'), 'SELECT * FROM db1.t1 WHERE t1.v2 = ?');
      assert.equal(
        mysql('SELECT * FROM 1st_table, 2fa_codes WHERE id = 9'),
        'SELECT * FROM 1st_table, 2fa_codes WHERE id = ?',
      );
      assert.equal(
        normalizeSql('SELECT pg_sleep(30), log10(100), sha256(x)'),
        'SELECT pg_sleep(?), log10(?), sha256(x)',
      );
    });

    it('replaces hex and bit literals', () => {
      assert.equal(
        normalizeSql("SELECT x'DEADBEEF', X'00', b'1010', B'1', 0xFF, 0b101, 0o17"),
        'SELECT ?, ?, ?, ?, ?, ?, ?',
      );
      assert.equal(mysql("SELECT X'DEADBEEF', b'01', 0x1F"), 'SELECT ?, ?, ?');
    });
  });

  describe('comments', () => {
    it('replaces block and line comments, whose text may carry secrets too', () => {
      assert.equal(normalizeSql('SELECT /* token=abc123 */ 1 -- user ann\nFROM t'), 'SELECT /* … */ ? /* … */\nFROM t');
      assert.equal(normalizeSql('UPDATE /* kubestack-fault */ t SET a = 1'), 'UPDATE /* … */ t SET a = ?');
      assert.equal(normalizeSql('SELECT 1 /* unterminated secret'), 'SELECT ? /* … */');
    });

    it('follows PostgreSQL comment nesting, and MySQL does not nest', () => {
      assert.equal(normalizeSql('/* a /* b */ secret */ SELECT 1'), '/* … */ SELECT ?');
      assert.equal(mysql('/* a /* b */ SELECT 1'), '/* … */ SELECT ?');
    });

    it("takes MySQL's # and '-- ' comments, executable comments and hints", () => {
      assert.equal(mysql('SELECT 1 # secret\nFROM t'), 'SELECT ? /* … */\nFROM t');
      assert.equal(mysql('SELECT 1 -- secret'), 'SELECT ? /* … */');
      assert.equal(mysql('SELECT a--1 FROM t'), 'SELECT a-? FROM t');
      assert.equal(mysql("SELECT /*+ MAX_EXECUTION_TIME(1000) */ /*!50000 'secret' */ 1"), 'SELECT /* … */ /* … */ ?');
      assertHidden("SELECT 1 /* it's */ , 'secret'", ['secret', "it's"]);
    });

    it('leaves a # alone in PostgreSQL, where it is an operator', () => {
      assert.equal(normalizeSql('SELECT 5 # 3'), 'SELECT ? # ?');
    });
  });

  describe('lists', () => {
    it('collapses IN lists, arrays and rows of values', () => {
      assert.equal(
        normalizeSql("SELECT * FROM t WHERE id IN (1, 2, 3) AND k NOT IN ('a','b')"),
        'SELECT * FROM t WHERE id IN (?…) AND k NOT IN (?…)',
      );
      assert.equal(normalizeSql('SELECT * FROM t WHERE id in ( 7 )'), 'SELECT * FROM t WHERE id in (?…)');
      assert.equal(
        normalizeSql('SELECT * FROM t WHERE id = ANY(ARRAY[1, 2, 3])'),
        'SELECT * FROM t WHERE id = ANY(ARRAY[?…])',
      );
      assert.equal(
        mysql("INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, 'z')"),
        'INSERT INTO t (a, b) VALUES (?, ?), …',
      );
      assert.equal(mysql('SELECT * FROM t WHERE id IN (?, ?, ?)'), 'SELECT * FROM t WHERE id IN (?…)');
    });

    it('leaves lists that are not all literals', () => {
      assert.equal(
        normalizeSql('SELECT * FROM t WHERE id IN (a, 1) AND x IN (SELECT id FROM u)'),
        'SELECT * FROM t WHERE id IN (a, ?) AND x IN (SELECT id FROM u)',
      );
      assert.equal(normalizeSql('SELECT coalesce(a, 1), (b)'), 'SELECT coalesce(a, ?), (b)');
      assert.equal(normalizeSql('SELECT f(1, 2), (3, 4)'), 'SELECT f(?, ?), (?, ?)');
    });
  });

  it('keeps keywords, identifiers, operators, casts and whitespace as they were', () => {
    const text =
      'SELECT o.id, sum(l.qty)::numeric AS total\n  FROM orders o\n  JOIN lines l ON l.order_id = o.id\n GROUP BY o.id';
    assert.equal(normalizeSql(text), text);
    assert.equal(
      normalizeSql("SELECT data->>'email' FROM t WHERE data ? 'k'"),
      'SELECT data->>? FROM t WHERE data ? ?',
    );
    assert.equal(normalizeSql('<insufficient privilege>'), '<insufficient privilege>');
    assert.equal(normalizeSql(''), '');
    assert.equal(mysql('SELECT @@GLOBAL.max_connections, @x := 5'), 'SELECT @@GLOBAL.max_connections, @x := ?');
  });

  it('leaves no literal in statements that mix them all', () => {
    const statements = [
      "INSERT INTO people (name, ssn, born) VALUES ('Ann O''Neil', '078-05-1120', DATE '1970-01-01') /* ann */",
      "UPDATE accounts SET balance = balance - 99.95 WHERE iban = 'DE89370400440532013000' -- DE89",
      "SELECT * FROM cards WHERE pan = E'4111\\'1111' OR pan = $p$4111111111111111$p$",
    ];
    for (const statement of statements) {
      assertHidden(statement, ['Ann', 'Neil', '078', '1120', '1970', '99', 'DE89', '4111', 'ann'], 'standard');
    }
    assertHidden(
      'INSERT INTO people VALUES ("Ann", \'078-05-1120\', 0xDEAD, 1e3) # ann',
      ['Ann', '078', 'DEAD', '1e3', 'ann'],
      'mysql',
    );
  });
});
