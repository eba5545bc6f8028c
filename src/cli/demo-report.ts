import type { ClientResult } from './demo-protocol.js';
import type { RoundRun } from './demo-round.js';
import { formatTable, plural } from './table.js';

/** A round of the demo, judged: the JSON `--json` prints for it. */
export interface RoundReport {
  name: string;
  /** The check the clients' saves carried. */
  check: 'none' | 'version';
  clients: ClientResult[];
  /** Clients whose save the store accepted. */
  accepted: number;
  /** Clients the store refused after their last attempt: never accepted, so never lost. */
  gaveUp: number;
  /** Clients that broke in a way the demo does not expect. */
  failed: number;
  /** Accepted clients whose line is missing from the final document. */
  lost: number;
  lostClients: number[];
  /** Lines in the final document that no accepted write explains, or that appear twice. */
  unexpected: number[];
  /** The client numbers of the lines in the final document. */
  finalLines: number[];
  finalRevision: number;
}

/**
 * Checks the final document against the writes the store accepted. A write is lost when
 * the store told its client "saved" and its line is not in the document at the end.
 */
export function judge(name: string, check: RoundReport['check'], run: RoundRun): RoundReport {
  const clients = [...run.results].sort((a, b) => a.client - b.client);
  const acceptedClients = clients.filter((r) => r.outcome === 'saved').map((r) => r.client);
  const inFinal = new Set(run.finalLines);
  const lostClients = acceptedClients.filter((client) => !inFinal.has(client));
  const accepted = new Set(acceptedClients);
  const unexpected = run.finalLines.filter(
    (client, i) => !accepted.has(client) || run.finalLines.indexOf(client) !== i,
  );
  return {
    name,
    check,
    clients,
    accepted: acceptedClients.length,
    gaveUp: clients.filter((r) => r.outcome === 'gaveUp').length,
    failed: clients.filter((r) => r.outcome === 'failed').length,
    lost: lostClients.length,
    lostClients,
    unexpected,
    finalLines: run.finalLines,
    finalRevision: run.finalRevision,
  };
}

/** The round as text: a table of the clients and the verdict under it. */
export function formatRound(report: RoundReport, title: string): string {
  const inFinal = new Set(report.finalLines);
  const rows = report.clients.map((c) => [
    String(c.client),
    String(c.attempts),
    outcomeText(c),
    fate(c, inFinal.has(c.client)),
  ]);
  const table = formatTable(['client', 'attempts', 'outcome', 'line in final document'], rows, [
    'right',
    'right',
  ]);
  const verdict = [`writes accepted: ${report.accepted}, lost: ${report.lost}`];
  if (report.gaveUp > 0) {
    verdict.push(
      `gave up: ${report.gaveUp} (refused with a conflict error, never accepted, so not lost)`,
    );
  }
  if (report.failed > 0) verdict.push(`failed: ${report.failed} (see the outcome column)`);
  if (report.unexpected.length > 0) {
    verdict.push(`unexpected lines in the final document: ${report.unexpected.join(', ')}`);
  }
  verdict.push(
    `final revision: ${report.finalRevision}, lines in the final document: ${report.finalLines.length}`,
  );
  return [title, '', ...indent(table), '', ...indent(verdict)].join('\n');
}

function outcomeText(c: ClientResult): string {
  switch (c.outcome) {
    case 'saved':
      return 'saved';
    case 'gaveUp':
      return `gave up after ${plural(c.attempts, 'attempt')}`;
    case 'failed':
      return `failed: ${c.error ?? 'unknown error'}`;
  }
}

function fate(c: ClientResult, present: boolean): string {
  if (c.outcome === 'saved') return present ? 'kept' : 'LOST';
  // A refused write that shows up anyway would be a bug of its own; say so.
  return present ? 'present, though not accepted' : '-';
}

function indent(lines: readonly string[]): string[] {
  return lines.map((line) => (line === '' ? line : `  ${line}`));
}
