// npx tsx examples/strategy-token.ts
// Strategy D: an opaque token travels with the document (to a browser and back).
import { DocumentStore } from 'noclobber';
import { SqliteBackend } from 'noclobber/sqlite';

interface Article {
  id: string;
  title: string;
}

const store = new DocumentStore({ backend: new SqliteBackend({ filename: ':memory:' }) });
const articles = store.collection<Article>('articles');
await store.insert(articles, { id: 'a-1', title: 'Draft' });

// GET /articles/a-1: the view model carries the token, nothing else about the store.
const view = await store.getWithToken(articles, 'a-1');
const form = { ...view?.document, token: view?.token };

// Meanwhile somebody else publishes.
await store.update(articles, 'a-1', (a) => {
  a.title = 'Published title';
});

// POST /articles/a-1: the edit comes back with its token and is checked against it.
const result = await store
  .put(articles, { id: 'a-1', title: 'My edit' }, { check: { token: form.token as string } })
  .catch((error: Error) => error.name);
console.log('stale form:', result);

const fresh = await store.getWithToken(articles, 'a-1');
await store.put(
  articles,
  { id: 'a-1', title: 'My edit' },
  { check: { token: fresh?.token as string } },
);
console.log('fresh form:', (await store.get(articles, 'a-1'))?.title);
await store.close();
