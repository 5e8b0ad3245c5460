/** Errors from the data sources always name the source, so callers can say which one failed. */
export type SourceName = 'prometheus' | 'elasticsearch';
export type SourceFailure = 'unreachable' | 'timeout' | 'bad_response' | 'bad_query';

export class SourceError extends Error {
  override name = 'SourceError';
  readonly source: SourceName;
  readonly failure: SourceFailure;

  constructor(source: SourceName, failure: SourceFailure, message: string) {
    super(`${source}: ${message}`);
    this.source = source;
    this.failure = failure;
  }

  /** A bad query is the caller's fault; the rest mean the source is not usable right now. */
  get unavailable(): boolean {
    return this.failure !== 'bad_query';
  }
}

/** Retries `attempt` on transient failures with a short exponential backoff. */
export async function withRetries<T>(retries: number, attempt: () => Promise<T>): Promise<T> {
  for (let tried = 0; ; tried += 1) {
    try {
      return await attempt();
    } catch (error) {
      const transient = error instanceof SourceError && error.unavailable;
      if (!transient || tried >= retries) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** tried));
    }
  }
}
