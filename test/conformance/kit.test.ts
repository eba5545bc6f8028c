import { describeBackendConformance } from '../../src/backends/kit/conformance/index.js';
import { backends } from '../support/backends.js';

// The suite a third backend runs from noclobber/backend/conformance, on every backend here.
for (const backend of backends) {
  describeBackendConformance(backend.name, async () => {
    const { config, cleanup } = await backend.create();
    return { open: () => backend.open(config), cleanup };
  });
}
