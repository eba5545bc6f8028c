/**
 * Told of every 5xx answered, with its cause: the database failed or is unreachable, a
 * write's outcome is unknown, or something unexpected broke. `request` is the request
 * answered (a Fetch `Request`, or Node's `IncomingMessage` in the node adapters).
 */
export type ErrorReporter = (error: unknown, request: { method?: string; url?: string }) => void;

/**
 * The default reporter: one JSON line on stderr per 5xx, with the request's method and
 * path and the error's name, code, message, stack and causes, so a log collector can
 * index it and nothing is lost silently.
 */
export const reportToStderr: ErrorReporter = (error, request) => {
  const line = {
    level: 'error',
    time: new Date().toISOString(),
    msg: 'noclobber: request failed',
    method: request.method,
    path: pathOf(request.url),
    error: describe(error, 0),
  };
  process.stderr.write(`${JSON.stringify(line)}\n`);
};

/** Calls `report`, and never lets a failing reporter turn one failure into two. */
export function safely(report: ErrorReporter, error: unknown, request: Request | object): void {
  try {
    report(error, request as { method?: string; url?: string });
  } catch {
    // A broken reporter must not break the answer to the client.
  }
}

// A Fetch request's URL is absolute, a Node one's a path: only the path is logged.
function pathOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url, 'http://localhost').pathname;
  } catch {
    return url.slice(0, 200);
  }
}

function describe(error: unknown, depth: number): unknown {
  if (!(error instanceof Error)) return { value: String(error) };
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    ...(code === undefined ? {} : { code }),
    message: error.message,
    stack: error.stack,
    // Causes carry what the driver said (a refused connection, a timeout): keep a few.
    ...(error.cause !== undefined && depth < 3 ? { cause: describe(error.cause, depth + 1) } : {}),
  };
}
