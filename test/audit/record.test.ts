/**
 * Audit records: every malformed shape is an ERR_RECORD_FORMAT naming the field, never an exception;
 * and the line splitter keeps one line per input line with bounded memory.
 */

import { describe, expect, it } from 'vitest';
import { parseRecord } from '../../src/audit/record.js';
import { KmsVerifyError } from '../../src/index.js';
import { splitLines } from '../../src/node/audit.js';

const good = { KeyId: 'k', KeyVersionId: 'v', Algorithm: 'ECDSA_SHA_256', Value: 'AAEC', Message: 'aGk=' };

describe('parseRecord', () => {
  it('reads a well-formed record, echoing id and keeping unknown fields out', () => {
    const record = parseRecord(JSON.stringify({ ...good, id: 7, Extra: true, SignatureFormat: 'p1363' }));
    expect(record).toEqual({
      id: 7,
      keyId: 'k',
      keyVersionId: 'v',
      algorithm: 'ECDSA_SHA_256',
      signature: new Uint8Array([0, 1, 2]),
      message: new TextEncoder().encode('hi'),
      signatureFormat: 'p1363',
    });
  });

  it.each([
    ['an empty line', '', 'empty line'],
    ['whitespace', '   \t', 'empty line'],
    ['truncated JSON', '{"KeyId":"k",', 'not JSON'],
    ['an array', '[1,2]', 'found an array'],
    ['a string', '"record"', 'found string'],
    ['null', 'null', 'found null'],
    [
      'a missing KeyId',
      JSON.stringify({ ...good, KeyId: undefined }),
      'KeyId must be a non-empty string, and it is missing',
    ],
    [
      'a numeric KeyVersionId',
      JSON.stringify({ ...good, KeyVersionId: 3 }),
      'KeyVersionId must be a non-empty string',
    ],
    [
      'an empty Algorithm',
      JSON.stringify({ ...good, Algorithm: '' }),
      'Algorithm must be a non-empty string',
    ],
    [
      'a missing Value',
      JSON.stringify({ ...good, Value: undefined }),
      'Value must be a base64 string, and it is missing',
    ],
    ['a Value that is not base64', JSON.stringify({ ...good, Value: 'not base64!' }), 'Value is not base64'],
    ['a numeric Message', JSON.stringify({ ...good, Message: 12 }), 'Message must be a base64 string'],
    [
      'both Message and Digest',
      JSON.stringify({ ...good, Digest: 'AAAA' }),
      'exactly one of Message and Digest',
    ],
    [
      'neither Message nor Digest',
      JSON.stringify({ ...good, Message: undefined }),
      'exactly one of Message and Digest',
    ],
    [
      'an unknown SignatureFormat',
      JSON.stringify({ ...good, SignatureFormat: 'raw' }),
      'SignatureFormat must be "der" or "p1363"',
    ],
  ])('%s -> ERR_RECORD_FORMAT', (_what, line, fragment) => {
    let caught: unknown;
    try {
      parseRecord(line);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(KmsVerifyError);
    expect((caught as KmsVerifyError).code).toBe('ERR_RECORD_FORMAT');
    expect((caught as Error).message).toContain(fragment);
  });
});

async function lines(chunks: string[], maxBytes?: number) {
  const source = (async function* () {
    for (const chunk of chunks) yield new TextEncoder().encode(chunk);
  })();
  const out = [];
  for await (const line of splitLines(source, maxBytes))
    out.push(line.tooLongBytes === undefined ? line.text : `<${line.tooLongBytes}>`);
  return out;
}

describe('splitLines', () => {
  it.each([
    ['LF', ['a\nb\n'], ['a', 'b']],
    ['CRLF', ['a\r\nb\r\n'], ['a', 'b']],
    ['no final newline', ['a\nb'], ['a', 'b']],
    ['blank lines in the middle count', ['a\n\nb\n'], ['a', '', 'b']],
    ['a line across chunks', ['ab', 'c\nd', 'e\n'], ['abc', 'de']],
    ['CR and LF in different chunks', ['a\r', '\nb'], ['a', 'b']],
    ['an empty input', [], []],
    ['only a newline', ['\n'], ['']],
  ])('%s', async (_what, chunks, expected) => {
    expect(await lines(chunks)).toEqual(expected);
  });

  it('joins a UTF-8 sequence split between chunks before decoding it', async () => {
    const source = (async function* () {
      yield new Uint8Array([0x61, 0xc3]);
      yield new Uint8Array([0xa9, 0x0a]);
    })();
    const out = [];
    for await (const line of splitLines(source)) out.push(line.text);
    expect(out).toEqual(['a\u00e9']);
  });

  it('reports a line over the limit by its size without holding it, and carries on', async () => {
    expect(await lines(['short\n', 'x'.repeat(10), 'y'.repeat(10), '\nafter\n'], 15)).toEqual([
      'short',
      '<20>',
      'after',
    ]);
  });
});
