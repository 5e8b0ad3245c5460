import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import plugin from '../../src/index.ts';

describe('mysql connector', () => {
  it('guesses no login: without a configured URL it reads nothing', () => {
    // Reading threads takes credentials; a guessed root login would be tried on every server found.
    assert.equal(plugin.connector.defaultUrl('10.0.0.5:3306'), undefined);
    assert.equal(plugin.connector.defaultUrl('db.internal:3306'), undefined);
  });
});
