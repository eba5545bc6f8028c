import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FetchHandler } from '../resource.js';
import { serveNode } from './node.js';

/**
 * Express (5) middleware: `app.use('/docs', expressHandler(handler))`. Express strips the
 * mount path, so the handler needs no `basePath`. Mount it before body parsers such as
 * `express.json()`: it reads the raw body itself. Errors the handler does not answer go
 * to `next(error)`, so the application's error handlers see them.
 */
export function expressHandler(
  handler: FetchHandler,
): (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void {
  return (req, res, next) => {
    serveNode(handler, req, res).catch(next);
  };
}
