/** When a MySQL / MariaDB client is in: the server sent the OK packet that ends the handshake. */
import type { LoginWatcher } from '@kubestack/plugin-sdk/testkit';

/** The first byte of an OK packet's payload. */
const OK = 0x00;

/**
 * Server packets: a 3-byte little-endian payload length, a sequence id, the payload. The first is the
 * greeting; the first OK after it ends the handshake (after any auth switch or extra auth data).
 */
export const handshakeOk: LoginWatcher = () => {
  let pending = Buffer.alloc(0);
  let packets = 0;
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const end = 4 + pending.readUIntLE(0, 3);
      if (pending.length < end) break;
      packets += 1;
      if (packets > 1 && pending[4] === OK) return true;
      pending = pending.subarray(end);
    }
    return false;
  };
};
