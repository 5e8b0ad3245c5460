/**
 * Helpers for fault scenarios (each plugin's src/faults.ts): an inject registers how to undo each thing right
 * after creating it, so its undo removes everything even after a half-failed inject, and names what it
 * creates so nothing collides on a shared server. Never used by the analyzer at run time.
 */
import { randomBytes } from 'node:crypto';
import { messageOf } from './helpers.ts';

/** The undo steps of one injection. */
export interface Cleanup {
  /** Registers the step that undoes what was just created or changed. */
  add(step: () => unknown): void;
  /**
   * Runs the registered steps, last registered first, each even when an earlier one failed, and only once:
   * later calls get the same promise. Rejects with an AggregateError of every failure.
   */
  undo(): Promise<void>;
}

/** An empty cleanup stack; `what` (e.g. `Redis fault`) names it in the error of a failed undo. */
export function cleanupStack(what: string): Cleanup {
  const steps: Array<() => unknown> = [];
  let undone: Promise<void> | undefined;
  const run = async (): Promise<void> => {
    const errors: unknown[] = [];
    for (let step = steps.pop(); step !== undefined; step = steps.pop()) {
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, `${what}: undo failed`);
  };
  return {
    add(step) {
      steps.push(step);
    },
    undo() {
      undone ??= run();
      return undone;
    },
  };
}

export interface InduceOptions {
  /** What a failed inject rejects with; by default an Error saying `<what>: inject failed: <message>`. */
  failed?: (error: unknown) => unknown;
}

/**
 * Induces a fault: runs `setup`, which registers an undo step on `cleanup` right after creating each thing, and
 * returns the undo (a FaultScenario's `inject` result). When setup fails, what it did is undone before the error
 * is rethrown; when that undo fails too, both are reported together.
 */
export async function induceFault(
  what: string,
  setup: (cleanup: Cleanup) => Promise<void>,
  options: InduceOptions = {},
): Promise<() => Promise<void>> {
  const cleanup = cleanupStack(what);
  try {
    await setup(cleanup);
  } catch (error) {
    const failed = options.failed
      ? options.failed(error)
      : new Error(`${what}: inject failed: ${messageOf(error)}`, { cause: error });
    const undoFailed = await cleanup.undo().then(
      () => undefined,
      (undoError: unknown) => undoError,
    );
    throw undoFailed === undefined
      ? failed
      : new AggregateError([failed, undoFailed], `${messageOf(failed)}; undo failed too`);
  }
  return cleanup.undo;
}

/** A name for something a fault scenario creates (a queue, topic, index): `kubestack-fault-<random>-<role>`. */
export function faultName(role: string): string {
  return `kubestack-fault-${randomBytes(4).toString('hex')}-${role}`;
}
