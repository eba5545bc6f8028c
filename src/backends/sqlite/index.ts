export { SqliteBackend, type SqliteOptions } from './sqlite-backend.js';
