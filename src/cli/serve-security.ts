import { isIP } from 'node:net';
import { readAuthFile } from '../http/auth/config.js';
import { AuthConfigError } from '../http/auth/errors.js';
import type { GuardOptions } from '../http/guard.js';
import { LOOPBACK_HOSTS } from '../http/host.js';
import type { ServerLimits } from '../http/limits/node-server.js';
import { integerOption, type ParsedOptions, UsageError } from './command.js';

/** The `serve` options about who may call the server and how much they may hold. */
export const SERVE_OPTIONS = {
  auth: { type: 'string' },
  insecure: { type: 'boolean' },
  'allowed-host': { type: 'string', multiple: true },
  'cors-origin': { type: 'string', multiple: true },
  'header-timeout': { type: 'string' },
  'body-timeout': { type: 'string' },
  'max-connections': { type: 'string' },
  'rate-limit': { type: 'string' },
  'rate-burst': { type: 'string' },
  'shutdown-timeout': { type: 'string' },
  'trust-request-id': { type: 'boolean' },
  'tenant-header': { type: 'string' },
} as const;

/** What the security options of `serve` come to. */
export interface ServeSecurity {
  readonly handler: GuardOptions & { cursorSecret?: string };
  readonly limits: ServerLimits;
  /** Milliseconds requests in flight get after SIGTERM. */
  readonly shutdownTimeout: number;
}

/**
 * Reads the security options for a server on `host`. Refuses (`UsageError`) to serve a
 * non-loopback address, or tenants by header, without credentials unless `--insecure`.
 */
export function securityOf(
  options: ParsedOptions<typeof SERVE_OPTIONS>,
  host: string,
): ServeSecurity {
  let file: ReturnType<typeof readAuthFile> | undefined;
  if (options.auth !== undefined) {
    try {
      file = readAuthFile(options.auth);
    } catch (error) {
      if (error instanceof AuthConfigError) throw new UsageError(`--auth: ${error.message}`);
      throw error;
    }
  }
  if (!file && !options.insecure) {
    if (!isLoopback(host)) {
      throw new UsageError(
        `refusing to serve ${host} without credentials: give --auth <file>, or --insecure for a network you trust entirely`,
      );
    }
    if (options['tenant-header'] !== undefined) {
      throw new UsageError(
        '--tenant-header without --auth lets any client pick any tenant: give --auth <file>, or --insecure',
      );
    }
  }
  const seconds = (name: keyof typeof SERVE_OPTIONS, fallback: number) =>
    integerOption(name, options[name] as string | undefined, fallback, 1, 3600) * 1000;
  const rate = options['rate-limit'];
  const hosts = options['allowed-host'];
  // A specific address is a name clients may use; a wildcard one is not.
  const named = ['0.0.0.0', '::'].includes(host) ? [] : [bracketed(host)];
  return {
    handler: {
      ...(file ? { auth: file.auth } : {}),
      ...(file?.cursorSecret ? { cursorSecret: file.cursorSecret } : {}),
      ...(options['tenant-header'] ? { tenantHeader: options['tenant-header'] } : {}),
      allowedHosts: hosts?.includes('*') ? 'any' : (hosts ?? [...LOOPBACK_HOSTS, ...named]),
      ...(options['cors-origin'] ? { cors: { origins: options['cors-origin'] } } : {}),
      ...(rate === undefined
        ? {}
        : {
            rateLimit: {
              rate: integerOption('rate-limit', rate, 0, 1, 1_000_000),
              burst: integerOption('rate-burst', options['rate-burst'], Number(rate), 1, 1_000_000),
            },
          }),
      trustRequestId: options['trust-request-id'] === true,
    },
    limits: {
      headersTimeout: seconds('header-timeout', 10),
      requestTimeout: seconds('body-timeout', 30),
      maxConnections: integerOption(
        'max-connections',
        options['max-connections'],
        1000,
        1,
        1_000_000,
      ),
    },
    shutdownTimeout: seconds('shutdown-timeout', 10),
  };
}

/** Whether `host` is a loopback address or name, reachable from this machine only. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

const bracketed = (host: string) => (isIP(host) === 6 ? `[${host}]` : host.toLowerCase());
