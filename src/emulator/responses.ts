/**
 * Renders KMS answers as the OpenAPI gateway does: JSON by default, XML when the request says
 * `Format=XML`. The JSON nesting is the one the KMS API reference documents (lists are an object
 * holding one array, `{"KeyVersions": {"KeyVersion": [...]}}`); in XML the root element is
 * `<ActionResponse>` (errors: `<Error>`), and a list is its container element repeating the item
 * element, `<KeyVersions><KeyVersion>...</KeyVersion><KeyVersion>...</KeyVersion></KeyVersions>`.
 * XML text is escaped per XML 1.0 §2.4 (and CR as a character reference, §2.11), and characters
 * XML 1.0 cannot carry at all (§2.2) become U+FFFD.
 */

import { type KmsApiError, recommendUrl } from './kms-errors.js';

export type ResponseFormat = 'JSON' | 'XML';

export type ResponseValue = string | number | boolean | ResponseBody | readonly ResponseBody[];
export interface ResponseBody {
  readonly [field: string]: ResponseValue;
}

export interface RenderedResponse {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

/** The content types the gateway sends (the official SDK compares the XML one literally). */
export const JSON_CONTENT_TYPE = 'application/json;charset=utf-8';
export const XML_CONTENT_TYPE = 'text/xml;charset=utf-8';

/** `Format` is matched case-insensitively: the official SDKs send `json`. Anything else is JSON. */
export function responseFormat(value: string | undefined): ResponseFormat {
  return value !== undefined && value.toUpperCase() === 'XML' ? 'XML' : 'JSON';
}

// XML 1.0 Char production minus what must be escaped anyway; lone surrogates are not characters.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const XML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // A literal CR would be folded into LF by every parser (XML 1.0 §2.11); a reference survives.
  '\r': '&#13;',
};

export function escapeXml(text: string): string {
  return text.replace(NOT_XML_CHAR, '\uFFFD').replace(/[&<>"'\r]/g, (char) => XML_ESCAPES[char]!);
}

function elementName(name: string): string {
  // Field names are ours (PascalCase ASCII); a name that is not one is a bug, not input.
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name)) throw new TypeError(`not an XML element name: ${name}`);
  return name;
}

function xmlValue(name: string, value: ResponseValue): string {
  const tag = elementName(name);
  if (Array.isArray(value)) return value.map((item) => xmlValue(tag, item)).join('');
  if (typeof value === 'object') return `<${tag}>${xmlFields(value as ResponseBody)}</${tag}>`;
  return `<${tag}>${escapeXml(String(value))}</${tag}>`;
}

function xmlFields(body: ResponseBody): string {
  return Object.entries(body)
    .map(([name, value]) => xmlValue(name, value))
    .join('');
}

export function renderXml(root: string, body: ResponseBody): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${xmlValue(root, body)}`;
}

/** A successful answer: `body` already carries RequestId. */
export function renderSuccess(action: string, body: ResponseBody, format: ResponseFormat): RenderedResponse {
  if (format === 'XML') {
    return { status: 200, contentType: XML_CONTENT_TYPE, text: renderXml(`${action}Response`, body) };
  }
  return { status: 200, contentType: JSON_CONTENT_TYPE, text: JSON.stringify(body) };
}

export function errorBody(error: KmsApiError, requestId: string, hostId: string): ResponseBody {
  return {
    RequestId: requestId,
    HostId: hostId,
    Code: error.code,
    Message: error.message,
    Recommend: recommendUrl(error.code, requestId),
  };
}

export function renderError(
  error: KmsApiError,
  requestId: string,
  hostId: string,
  format: ResponseFormat,
): RenderedResponse {
  const body = errorBody(error, requestId, hostId);
  if (format === 'XML')
    return { status: error.status, contentType: XML_CONTENT_TYPE, text: renderXml('Error', body) };
  return { status: error.status, contentType: JSON_CONTENT_TYPE, text: JSON.stringify(body) };
}
