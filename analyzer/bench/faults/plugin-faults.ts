/** The plugins' own fault injections (each plugin's src/faults.ts), run against the stack's instances. */
import { FAULTS } from '../../src/demo/faults.ts';
import type { Middleware, Stack, Undo } from './types.ts';

/** An inject that runs the plugin's fault `id` against the stack's instance of `middleware`. */
export function pluginFault(middleware: Middleware, id: string): (stack: Stack) => Promise<Undo> {
  const fault = FAULTS[middleware]?.find((candidate) => candidate.id === id);
  if (!fault) throw new Error(`the ${middleware} plugin has no fault "${id}"`);
  return (stack) => fault.inject(stack.connectors[middleware]);
}
