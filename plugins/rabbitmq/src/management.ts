/**
 * The RabbitMQ management HTTP API, through the SDK's JsonHttp (credentials in a header, per-request
 * timeout), for the connector and the fault scenarios alike. Failures are put in words that never
 * show the URL's credentials.
 */
import { HttpError, JsonHttp } from '@kubestack/plugin-sdk';

/** A client for the management API at `url` (http or https, optionally with a path prefix). */
export function managementApi(url: string, timeoutMs: number): JsonHttp {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new Error('the management URL is not a valid URL');
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new Error(`expected the management API URL (http or https), got ${protocol}`);
  }
  return new JsonHttp(url, { timeoutMs });
}

interface ErrorBody {
  error?: string;
  reason?: string;
}

/** What went wrong with a management API call, in words. */
export function describeError(error: unknown, timeoutMs: number): string {
  if (!(error instanceof HttpError)) {
    // JsonHttp's deadline can also expire while the body is still arriving.
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      return `no complete answer within ${timeoutMs} ms`;
    }
    return error instanceof Error ? error.message : String(error);
  }
  if (error.failure === 'bad_body') return 'the answer is not JSON; is this the management API URL?';
  if (error.failure !== 'status') return error.message;
  const body = error.body as ErrorBody | undefined;
  const reason = [body?.error, body?.reason].filter((part) => typeof part === 'string' && part !== '').join(': ');
  const status = `HTTP ${error.status}${reason ? `: ${reason}` : ''}`;
  if (error.status === 401 || error.status === 403) return `not authorized (${status})`;
  if (error.status === 404) return `not found (${status}); is this the management API URL?`;
  return status;
}
