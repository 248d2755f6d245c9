/**
 * Response rendering, checked with the XML parser the official SDK uses (@alicloud/tea-xml): an XML
 * answer parses to exactly the JSON answer's shape (lists as repeated items in their container),
 * any text survives escaping (property test; characters XML 1.0 cannot carry become U+FFFD), and
 * the error table is consistent.
 */

import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KmsApiError, kmsErrorCodes, kmsErrorEntry } from '../../src/emulator/kms-errors.js';
import {
  escapeXml,
  type ResponseBody,
  renderError,
  renderSuccess,
  renderXml,
  responseFormat,
} from '../../src/emulator/responses.js';

const require = createRequire(import.meta.url);
const TeaXml = require('@alicloud/tea-xml').default as {
  parseXml(text: string, model: null): Record<string, unknown>;
};

/** What a JSON body looks like once it went through XML: every leaf a string. */
function asXmlLeaves(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(asXmlLeaves);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, asXmlLeaves(field)]));
  }
  return String(value);
}

describe('XML rendering', () => {
  it('parses back to the JSON shape, lists included', () => {
    const body: ResponseBody = {
      RequestId: 'R',
      PageNumber: 1,
      PageSize: 10,
      TotalCount: 2,
      KeyVersions: {
        KeyVersion: [
          { KeyId: 'k', KeyVersionId: 'v1', CreationDate: '2026-01-01T00:00:00Z' },
          { KeyId: 'k', KeyVersionId: 'v2', CreationDate: '2026-01-02T00:00:00Z' },
        ],
      },
    };
    const rendered = renderSuccess('ListKeyVersions', body, 'XML');
    expect(rendered.contentType).toBe('text/xml;charset=utf-8');
    expect(TeaXml.parseXml(rendered.text, null)).toEqual({ ListKeyVersionsResponse: asXmlLeaves(body) });
    expect(JSON.parse(renderSuccess('ListKeyVersions', body, 'JSON').text)).toEqual(body);
  });

  it('renders booleans as true/false', () => {
    expect(renderXml('AsymmetricVerifyResponse', { Value: false, KeyId: 'k' })).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><AsymmetricVerifyResponse><Value>false</Value><KeyId>k</KeyId></AsymmetricVerifyResponse>',
    );
  });

  it.each([
    ['<&>"\'', '&lt;&amp;&gt;&quot;&apos;'],
    ['a\r\nb', 'a&#13;\nb'],
    ['\u0000\u0008\u000b\u001f\uffff\ufffe', '\uFFFD'.repeat(6)],
    ['\ud800 lone surrogate', '\uFFFD lone surrogate'],
    ['\u{1F600} tab\t', '\u{1F600} tab\t'],
  ])('escapes %j', (text, escaped) => {
    expect(escapeXml(text)).toBe(escaped);
  });

  it('keeps any text a parser can read back (property)', () => {
    const notXml = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        const parsed = TeaXml.parseXml(renderXml('R', { Description: `x${text}x` }), null) as {
          R: { Description: string };
        };
        expect(parsed.R.Description).toBe(`x${text.replace(notXml, '\uFFFD')}x`);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a field name that is not an element name (a bug, never input)', () => {
    expect(() => renderXml('R', { 'not a name': 'x' })).toThrow(TypeError);
  });
});

describe('formats and errors', () => {
  it.each([
    [undefined, 'JSON'],
    ['JSON', 'JSON'],
    ['json', 'JSON'],
    ['XML', 'XML'],
    ['xml', 'XML'],
    ['yaml', 'JSON'],
  ] as const)('Format %s answers %s', (format, expected) => {
    expect(responseFormat(format)).toBe(expected);
  });

  it('renders an error as {RequestId, HostId, Code, Message, Recommend} in JSON and XML', () => {
    const error = new KmsApiError('Rejected.Disabled');
    const json = renderError(error, 'ID', 'kms.example', 'JSON');
    expect(json.status).toBe(409);
    expect(JSON.parse(json.text)).toEqual({
      RequestId: 'ID',
      HostId: 'kms.example',
      Code: 'Rejected.Disabled',
      Message: 'The request was rejected because the key state is Disabled.',
      Recommend: 'https://api.aliyun.com/troubleshoot?q=Rejected.Disabled&product=Kms&requestId=ID',
    });
    const xml = renderError(error, 'ID', 'kms.example', 'XML');
    expect(TeaXml.parseXml(xml.text, null)).toEqual({ Error: JSON.parse(json.text) });
  });

  it('has a status for every code, and refuses a code outside the table', () => {
    for (const code of kmsErrorCodes()) {
      const entry = kmsErrorEntry(code)!;
      expect(entry.status >= 400 && entry.status <= 599, code).toBe(true);
      expect(new KmsApiError(code).status).toBe(entry.status);
    }
    expect(kmsErrorEntry('Rejected.Throttling')?.status).toBe(429);
    expect(kmsErrorEntry('ServiceUnavailableTemporary')?.status).toBe(503);
    expect(() => new KmsApiError('NoSuchCode')).toThrow(RangeError);
  });
});
