import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[]; optional?: boolean; os?: string[]; cpu?: string[] }>;
};

/** The oldest release the README supports on each line, and a current one. */
const SUPPORTED = ['20.19.0', '20.20.2', '22.13.0', '22.23.3', '24.0.0', '24.11.0'];

describe('supported Node versions', () => {
  it('declares Node 20.19+, 22.13+ and 24 in package.json engines', () => {
    for (const version of SUPPORTED) expect(semver.satisfies(version, packageJson.engines.node), version).toBe(true);
    expect(semver.satisfies('18.20.0', packageJson.engines.node)).toBe(false);
  });

  it('installs no package whose engines refuse one of them (npm install prints no EBADENGINE)', () => {
    const refused: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const range = !Array.isArray(entry.engines) ? entry.engines?.node : undefined;
      if (!path || !range) continue;
      // Platform binaries for other systems are never installed here.
      if (entry.optional && (entry.os || entry.cpu)) continue;
      for (const version of SUPPORTED) if (!semver.satisfies(version, range)) refused.push(`${path}@${entry.version} wants node ${range} (not ${version})`);
    }

    expect(refused).toEqual([]);
  });
});
