import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VARIABLES } from '../../src/config.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('documentation', () => {
  it('lists every configuration variable in the README table and in .env.example', () => {
    const readme = read('README.md');
    const example = read('.env.example');

    const names = Object.keys(VARIABLES);
    expect(names.filter((name) => !readme.includes(`| \`${name}\` |`))).toEqual([]);
    expect(names.filter((name) => !new RegExp(`^# ${name}=`, 'm').test(example))).toEqual([]);
  });
});
