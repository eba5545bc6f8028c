import { InvalidArgumentError } from '../core/errors.js';

/** A conditional request header that is not well formed. Answered 400, never ignored. */
export class MalformedHeaderError extends InvalidArgumentError {
  readonly header: string;

  constructor(header: string, value: string) {
    super(`Malformed ${header} header: ${JSON.stringify(value.slice(0, 100))}`);
    this.header = header;
  }
}
