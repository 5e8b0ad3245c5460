/** What went wrong with a REST call, in words: never the URL's credentials (JsonHttp keeps them out). */
import { HttpError } from '@kubestack/plugin-sdk';

interface ErrorBody {
  error?: string | { type?: string; reason?: string };
}

export function describeError(error: unknown): string {
  if (!(error instanceof HttpError)) return error instanceof Error ? error.message : String(error);
  if (error.failure !== 'status') return error.message;
  if (error.status === 401) return 'authentication failed (HTTP 401)';
  const cause = (error.body as ErrorBody | undefined)?.error;
  const words = typeof cause === 'string' ? cause : [cause?.type, cause?.reason].filter(Boolean).join(': ');
  if (error.status === 403) return `not authorized (HTTP 403)${words ? `: ${words}` : ''}`;
  return `HTTP ${error.status}${words ? `: ${words}` : ''}`;
}
