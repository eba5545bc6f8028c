import { describe, expect, it } from 'vitest';
import { loadDriver, MissingDriverError } from '../../src/core/load-driver.js';
import {
  assertSupportedNode,
  REQUIRED_NODE_VERSION,
  UnsupportedNodeError,
} from '../../src/core/node-version.js';

describe('the Node.js version check', () => {
  it('refuses versions older than engines allows, naming both versions', () => {
    for (const version of ['18.20.4', '20.18.3', '20.0.0', '16.20.2', 'garbage']) {
      let thrown: unknown;
      try {
        assertSupportedNode(version);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(UnsupportedNodeError);
      expect(thrown).toMatchObject({ code: 'UNSUPPORTED_NODE', found: version });
      expect((thrown as Error).message).toContain(`Node.js ${REQUIRED_NODE_VERSION} or later`);
      expect((thrown as Error).message).toContain(version);
    }
  });

  it('accepts 20.19 and everything after it, this Node.js included', () => {
    for (const version of ['20.19.0', '20.19.5', '20.20.2', '21.0.0', '22.12.0', '24.1.0']) {
      expect(() => assertSupportedNode(version)).not.toThrow();
    }
    expect(() => assertSupportedNode(process.versions.node)).not.toThrow();
  });

  it('matches the engines field of package.json', async () => {
    const { default: pkg } = await import('../../package.json', { with: { type: 'json' } });
    expect(pkg.engines.node).toBe(`>=${REQUIRED_NODE_VERSION.replace(/\.0$/, '')}`);
  });
});

describe('loading a driver', () => {
  it('names the missing package and the command that installs it', () => {
    let thrown: unknown;
    try {
      loadDriver('noclobber-no-such-driver', 'noclobber/nothing');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(MissingDriverError);
    expect(thrown).toMatchObject({ code: 'MISSING_DRIVER', driver: 'noclobber-no-such-driver' });
    expect((thrown as Error).message).toBe(
      "noclobber/nothing needs the 'noclobber-no-such-driver' package, which is not installed. Install it with: npm install noclobber-no-such-driver",
    );
  });

  it('loads an installed driver', () => {
    const pg = loadDriver<{ Pool: unknown }>('pg', 'noclobber/postgres');
    expect(typeof pg.Pool).toBe('function');
  });
});
