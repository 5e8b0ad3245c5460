/**
 * Cross-middleware: errors in an application's logs caused by PostgreSQL connection exhaustion. Idle sessions
 * take over 80 % of PostgreSQL's slots (the plugin's real fault); the `checkout` application, which declares
 * that it depends on PostgreSQL, logs what its pool logs when it cannot get a connection. The panel of the
 * application's error lines is explained: the cause is PostgreSQL, not the application.
 *
 * The application is simulated: it ships the lines a real checkout service and its pg pool would write, into
 * the stack's log index, with its ordinary traffic over the preceding 40 minutes as its history.
 */
import { simulatedApplication } from '../../application.ts';
import { pluginFault } from '../../plugin-faults.ts';
import type { FaultBenchScenario, Stack } from '../../types.ts';

const SERVICE = 'checkout';
const HISTORY_MINUTES = 40;
const injectConnections = pluginFault('postgresql', 'idle-sessions-fill-connection-slots');

let application: ReturnType<typeof simulatedApplication> | undefined;
function app(stack: Stack) {
  application ??= simulatedApplication(stack.clients.elasticsearch, SERVICE);
  return application;
}

const requestLine = () => ({
  level: 'info' as const,
  message: `POST /api/checkout 200 in ${20 + Math.round(Math.random() * 30)} ms`,
});

export const scenario: FaultBenchScenario = {
  id: 'app-errors-from-postgresql-connections',
  title: "Errors in the checkout application's logs, caused by PostgreSQL connection exhaustion",
  middleware: ['postgresql'],
  dependencies: (stack) => [{ from: `service:${SERVICE}`, to: stack.nodes.postgresql }],
  setup: async (stack) => {
    const shipper = app(stack);
    await shipper.backfill(HISTORY_MINUTES, 10, () => [requestLine(), requestLine(), requestLine()]);
    return () => shipper.erase();
  },
  inject: async (stack) => {
    const undoConnections = await injectConnections(stack);
    const stopLogging = app(stack).every(1000, () => [
      requestLine(),
      { level: 'error', message: 'POST /api/checkout 500 in 10004 ms: Error: timeout exceeded when trying to connect' },
      { level: 'error', message: 'pg pool: all 10 clients busy, 25 requests waiting; connection attempt timed out' },
    ]);
    return async () => {
      try {
        await stopLogging();
      } finally {
        await undoConnections();
      }
    };
  },
  target: () => ({
    kind: 'panel',
    title: 'Checkout errors',
    queries: [{ datasource: 'elasticsearch', query: `service.type:${SERVICE} AND log.level:error` }],
  }),
  expected: (stack) => ({ node: stack.nodes.postgresql, faultClass: 'connection-exhaustion' }),
};
