export { PostgresBackend, type PostgresOptions } from './postgres-backend.js';
