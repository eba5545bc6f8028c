// Worker threads cannot take `--import tsx` on Node 20, so each racer thread starts here
// and loads its TypeScript entry through tsx's API.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.entry, import.meta.url);
