// What a new user writes against the installed package, kept as text: these files live
// in the consumer's project, and this repository's own type check must not see them.

/** Every entry point; runs a SQLite insert and get and prints what it found as JSON. */
export const EVERY_ENTRY = `
import { DocumentStore, InvalidArgumentError, MissingDriverError, UnsupportedNodeError } from 'noclobber';
import { createHandler, formatHttpDate } from 'noclobber/http';
import { PostgresBackend, type PostgresPoolConfig } from 'noclobber/postgres';
import { SqliteBackend, type SqliteDatabase } from 'noclobber/sqlite';
import { checkHistory, History } from 'noclobber/testing';
import { AlreadyLandedError, type Backend, compileConditionSql, judgeCheck } from 'noclobber/backend';

interface Order {
  id: string;
  lines: string[];
}

const backend = new SqliteBackend({ filename: ':memory:' });
const database: SqliteDatabase = backend.database;
const store = new DocumentStore({ backend });
const orders = store.collection<Order>('orders');
const written = await store.insert(orders, { id: 'order-1', lines: ['tea'] });
const read: Order | null = await store.get(orders, 'order-1');
const one = database.prepare('SELECT 1 AS one').get();

// What an unset DATABASE_URL gives.
let refused: string | undefined;
try {
  new PostgresBackend({ connectionString: process.env.NOCLOBBER_CONSUMER_UNSET });
} catch (error) {
  if (error instanceof InvalidArgumentError) refused = error.code;
}
const poolConfig: PostgresPoolConfig = { host: '127.0.0.1', connectionTimeoutMillis: 1000 };
const asBackend: Backend = backend;
const judged = judgeCheck({ kind: 'mustExist' }, 'put', { state: 'absent' }).status;
await store.close();

console.log(
  JSON.stringify({
    read,
    revision: written.written ? written.metadata.revision : null,
    one,
    refused,
    poolConfig,
    judged,
    backendName: asBackend.name,
    loaded: [createHandler, formatHttpDate, checkHistory, History, MissingDriverError, UnsupportedNodeError, AlreadyLandedError, compileConditionSql].map(
      (f) => typeof f,
    ),
  }),
);
`;

/**
 * The entry points that name no Node.js type, checked with no \`@types\` package at all:
 * the drivers' types are noclobber's own structural interfaces.
 */
export const NO_TYPES_NEEDED = `
import { DocumentStore } from 'noclobber';
import { PostgresBackend, type PostgresPool } from 'noclobber/postgres';
import { SqliteBackend, type SqliteDatabase } from 'noclobber/sqlite';
import { History } from 'noclobber/testing';

export function open(database: SqliteDatabase, pool: PostgresPool) {
  const local = new DocumentStore({ backend: new SqliteBackend({ database }) });
  const shared = new DocumentStore({ backend: new PostgresBackend({ pool, schema: 'app' }) });
  const pooled: PostgresPool = new PostgresBackend({ pool }).pool;
  return { local, shared, pooled, history: new History<number>() };
}
`;

/** The same from CommonJS: \`require()\` of every entry point, a SQLite insert and get. */
export const COMMONJS = `
const { DocumentStore } = require('noclobber');
const { SqliteBackend } = require('noclobber/sqlite');
const { PostgresBackend } = require('noclobber/postgres');
const { createHandler } = require('noclobber/http');
const { History } = require('noclobber/testing');
const { version } = require('noclobber/package.json');

async function main() {
  const store = new DocumentStore({ backend: new SqliteBackend({ filename: ':memory:' }) });
  const orders = store.collection('orders');
  await store.insert(orders, { id: 'order-1', lines: ['tea'] });
  const read = await store.get(orders, 'order-1');
  await store.close();
  const loaded = [PostgresBackend, createHandler, History].map((f) => typeof f);
  console.log(JSON.stringify({ read, version, loaded }));
}
main();
`;

/** Imports of every subpath, for a project on the older \`moduleResolution: node10\`. */
export const NODE10 = `
import { DocumentStore } from 'noclobber';
import { AlreadyLandedError } from 'noclobber/backend';
import type { describeBackendConformance } from 'noclobber/backend/conformance';
import { createHandler } from 'noclobber/http';
import { PostgresBackend } from 'noclobber/postgres';
import { SqliteBackend } from 'noclobber/sqlite';
import { History } from 'noclobber/testing';

export const entries = [DocumentStore, AlreadyLandedError, createHandler, PostgresBackend, SqliteBackend, History];
export type Conformance = typeof describeBackendConformance;
`;

/** Loads the entry point named by its argument and prints the error it threw, if any, as JSON. */
export const LOAD = `
try {
  await import(process.argv[2]);
  console.log(JSON.stringify({ loaded: true }));
} catch (error) {
  console.log(JSON.stringify({ loaded: false, code: error.code, name: error.name, message: error.message }));
}
`;
