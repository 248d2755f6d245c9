/**
 * PEM armour (RFC 7468): finds the one `-----BEGIN label-----` ... `-----END label-----` block in a
 * text and decodes its base64 body. Text outside the block is ignored, as RFC 7468 §2 asks.
 * RFC 1421 headers (encrypted PEM) are refused: public keys never carry them.
 *
 * The scan uses indexOf from left to right only, so its cost is linear in the input whatever the
 * input holds (a regular expression with a lazy body can go quadratic on many unmatched BEGIN lines).
 */

import { KeyFormatError } from '../errors.js';
import { Base64SyntaxError, base64ToBytes } from '../internal/base64.js';

const BEGIN = '-----BEGIN ';
const END = '-----END ';
const DASHES = '-----';
const MAX_LABEL_LENGTH = 64;
const MAX_LABELS_LISTED = 5;

export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

function readLabel(text: string, from: number, boundary: string): { label: string; next: number } {
  const close = text.indexOf(DASHES, from);
  const label = close === -1 ? '' : text.slice(from, close);
  if (close === -1 || label.length > MAX_LABEL_LENGTH || /[\r\n]/.test(label)) {
    throw new KeyFormatError(`PEM: malformed ${boundary.trim()} line at position ${from - boundary.length}`);
  }
  return { label, next: close + DASHES.length };
}

export function containsPemArmour(text: string): boolean {
  return text.includes(BEGIN) || text.includes(END);
}

/** Decodes the single PEM block in `text`; several blocks or none is an error naming what was found. */
export function decodePem(text: string): PemBlock {
  const found: { label: string; bodyStart: number; bodyEnd: number }[] = [];
  let count = 0;
  let position = 0;
  for (;;) {
    const begin = text.indexOf(BEGIN, position);
    if (begin === -1) break;
    const opening = readLabel(text, begin + BEGIN.length, BEGIN);
    const end = text.indexOf(END, opening.next);
    if (end === -1)
      throw new KeyFormatError(`PEM: "${BEGIN}${opening.label}${DASHES}" has no matching END line`);
    const closing = readLabel(text, end + END.length, END);
    if (closing.label !== opening.label) {
      throw new KeyFormatError(`PEM: BEGIN ${opening.label} is closed by END ${closing.label}`);
    }
    count++;
    if (found.length < MAX_LABELS_LISTED)
      found.push({ label: opening.label, bodyStart: opening.next, bodyEnd: end });
    position = closing.next;
  }
  const first = found[0];
  if (first === undefined) {
    throw new KeyFormatError(`PEM: an END line without a BEGIN line`);
  }
  if (count > 1) {
    const labels = found.map((block) => block.label).join(', ');
    throw new KeyFormatError(
      `PEM: found ${count} blocks (${labels}${count > found.length ? ', ...' : ''}); pass exactly one key, certificate or CSR`,
    );
  }
  const body = text.slice(first.bodyStart, first.bodyEnd);
  if (body.includes(DASHES)) throw new KeyFormatError(`PEM ${first.label}: a boundary line inside the body`);
  if (body.includes(':')) {
    throw new KeyFormatError(`PEM ${first.label}: RFC 1421 headers (such as Proc-Type) are not supported`);
  }
  let der: Uint8Array;
  try {
    der = base64ToBytes(body);
  } catch (error) {
    if (!(error instanceof Base64SyntaxError)) throw error;
    throw new KeyFormatError(`PEM ${first.label} body: ${error.message}`, { cause: error });
  }
  if (der.length === 0) throw new KeyFormatError(`PEM ${first.label}: the body is empty`);
  return { label: first.label, der };
}
