/** When a PostgreSQL client is in: the server said ReadyForQuery after authentication. */
import type { LoginWatcher } from '@kubestack/plugin-sdk/testkit';

/** ReadyForQuery: 'Z', then its length (5) as an int32; the transaction status byte follows. */
const READY_FOR_QUERY = Buffer.from([0x5a, 0, 0, 0, 5]);

export const readyForQuery: LoginWatcher = () => {
  let tail = Buffer.alloc(0);
  return (chunk) => {
    // With the previous chunk's last bytes, for a message split across chunks.
    const window = Buffer.concat([tail, chunk]);
    tail = window.subarray(-(READY_FOR_QUERY.length - 1));
    return window.includes(READY_FOR_QUERY);
  };
};
