// npx tsx examples/strategy-last-write-wins.ts
// Last write wins: no check at all. Never a default; here chosen for one environment.
import { DocumentStore, Policies } from 'noclobber';
import { SqliteBackend } from 'noclobber/sqlite';

interface Setting {
  id: string;
  value: string;
}

const policies = new Policies()
  .when((ctx) => ctx.environment === 'development')
  .then({ strategy: 'lastWriteWins' });
const store = new DocumentStore({
  backend: new SqliteBackend({ filename: ':memory:' }),
  policies,
  environment: 'development',
});
const settings = store.collection<Setting>('settings');
await store.insert(settings, { id: 'theme', value: 'light' });
// Without a version, a put would be an insert and fail; in development it overwrites.
await store.put(settings, { id: 'theme', value: 'dark' });
console.log((await store.get(settings, 'theme'))?.value);
// An operation can still insist on checks, or skip the policies.
const strict = await store
  .put(settings, { id: 'theme', value: 'blue' }, { bypassPolicies: true })
  .catch((error: Error) => error.name);
console.log(strict);
await store.close();
