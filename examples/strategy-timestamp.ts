// npx tsx examples/strategy-timestamp.ts
// Strategy B: HTTP-style "not modified since" the lastModified you saw (database clock).
import { DocumentStore } from 'noclobber';
import { SqliteBackend } from 'noclobber/sqlite';

interface Profile {
  id: string;
  bio: string;
}

const store = new DocumentStore({ backend: new SqliteBackend({ filename: ':memory:' }) });
const profiles = store.collection<Profile>('profiles');
await store.insert(profiles, { id: 'ann', bio: 'Hello' });

// The form was rendered with the document's lastModified…
const seen = await store.getMetadata(profiles, 'ann');
const lastModified = new Date(seen?.lastModified ?? 0);

// …a save with that timestamp lands while nobody else wrote since.
await store.put(
  profiles,
  { id: 'ann', bio: 'Hi there' },
  { check: { notModifiedSince: lastModified } },
);

// Sessions can make it the default for every loaded document, by policy.
const session = store.openSession({ policy: { strategy: 'timestamp' } });
const profile = (await session.load(profiles, 'ann')) as Profile;
await new Promise((resolve) => setTimeout(resolve, 5));
await store.update(profiles, 'ann', (p) => {
  p.bio = 'Edited elsewhere';
});
profile.bio = 'Stale edit';
session.store(profiles, profile);
const outcome = await session.saveChanges().catch((error: Error) => error.message);
console.log(outcome);
console.log((await store.get(profiles, 'ann'))?.bio);
await store.close();
