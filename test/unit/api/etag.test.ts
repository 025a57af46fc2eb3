import { describe, expect, it } from 'vitest';
import { etagOf, matchesEtag } from '../../../src/api/etag.js';

describe('etagOf', () => {
  it('is a strong tag of the exact bytes: a trailing newline changes it', () => {
    expect(etagOf('{"a":1}')).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(etagOf('{"a":1}')).toBe(etagOf(Buffer.from('{"a":1}')));
    expect(etagOf('{"a":1}\n')).not.toBe(etagOf('{"a":1}'));
  });
});

describe('matchesEtag', () => {
  const tag = '"abc"';

  it.each([
    ['the tag itself', '"abc"', true],
    ['its weak form', 'W/"abc"', true],
    ['a list holding it', '"x", W/"abc" ,"y"', true],
    ['*', '*', true],
    ['* in a list', '"x", *', true],
    ['another tag', '"abd"', false],
    ['the tag unquoted', 'abc', false],
    ['an empty header', '', false],
    ['no header', undefined, false],
  ])('answers If-None-Match %s with %s', (_label, header, expected) => {
    expect(matchesEtag(header, tag)).toBe(expected);
  });

  it('compares weakly whichever side is weak, and reads repeated headers', () => {
    expect(matchesEtag('"abc"', 'W/"abc"')).toBe(true);
    expect(matchesEtag(['"x"', '"abc"'], tag)).toBe(true);
  });
});
