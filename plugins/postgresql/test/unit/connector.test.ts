import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import plugin from '../../src/index.ts';

describe('postgresql connector', () => {
  it('guesses no login: without a configured URL it reads nothing', () => {
    // Reading sessions takes credentials; a guessed postgres superuser would be tried on every server found.
    assert.equal(plugin.connector.defaultUrl('10.0.0.5:5432'), undefined);
    assert.equal(plugin.connector.defaultUrl('db.internal:5432'), undefined);
  });
});
