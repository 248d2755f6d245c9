/**
 * The browser example: verify a KMS signature that the user pasted, against the PEM they pasted, with
 * the library's runtime-neutral build (Web Crypto plus pure SM2/SM3), and show the verdict.
 *
 * The three outcomes are kept apart on purpose, as the library keeps them apart: `verify` resolving
 * to false means the signature does not match; a typed error (a `code` such as ERR_KEY_FORMAT or
 * ERR_ALGORITHM_MISMATCH) means the question could not be asked with this key and algorithm, and is
 * never shown as an invalid signature.
 */

import { parsePublicKey, publicKeyFingerprint, verify } from 'kms-verify';

const $ = (id) => document.getElementById(id);
const form = $('verify-form');
const fields = {
  publicKey: $('public-key'),
  algorithm: $('algorithm'),
  input: $('input'),
  encoding: $('input-encoding'),
  userId: $('user-id'),
  signature: $('signature'),
};

/** An input the page itself cannot decode (not the library's business): shown as INPUT. */
class InputError extends Error {
  code = 'INPUT';
}

function mode() {
  return form.elements.mode.value;
}

/** Base64 as people paste it: line breaks and spaces ignored, the URL-safe alphabet accepted. */
function fromBase64(text, what) {
  const compact = text.replace(/\s+/g, '').replaceAll('-', '+').replaceAll('_', '/');
  // Empty decodes to zero bytes, which verify() would call an invalid signature: nothing was pasted.
  if (compact === '' && what === 'the signature') throw new InputError(`${what} is empty`);
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/.test(compact)) {
    throw new InputError(`${what} is not base64`);
  }
  return Uint8Array.from(atob(compact.padEnd(Math.ceil(compact.length / 4) * 4, '=')), (c) =>
    c.charCodeAt(0),
  );
}

function fromHex(text, what) {
  const compact = text.replace(/\s+/g, '').replace(/^0x/i, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(compact))
    throw new InputError(`${what} is not an even-length hex string`);
  return Uint8Array.from(compact.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}

function inputBytes() {
  const what = mode() === 'digest' ? 'the digest' : 'the message';
  const text = fields.input.value;
  switch (fields.encoding.value) {
    case 'base64':
      return fromBase64(text, what);
    case 'hex':
      return fromHex(text, what);
    default:
      return new TextEncoder().encode(text);
  }
}

/** Keeps the form honest: a digest is never "text", and the signer ID exists only for SM2 messages. */
function syncForm() {
  const digest = mode() === 'digest';
  $('input-label').textContent = digest ? 'Digest' : 'Message';
  const text = fields.encoding.querySelector('option[value="text"]');
  text.disabled = digest;
  if (digest && fields.encoding.value === 'text') fields.encoding.value = 'hex';
  $('user-id-row').hidden = digest || fields.algorithm.value !== 'SM2DSA';
}

function show(state, title, detail) {
  const verdict = $('verdict');
  verdict.dataset.state = state;
  verdict.hidden = false;
  $('verdict-title').textContent = title;
  $('verdict-detail').textContent = detail;
}

let verifyGeneration = 0;

/** A verdict belongs to the inputs it was given: any edit withdraws it (and any answer in flight). */
function withdrawVerdict() {
  verifyGeneration++;
  const verdict = $('verdict');
  verdict.hidden = true;
  verdict.dataset.state = 'idle';
}

let keyGeneration = 0;

/** Names the key as soon as it parses, so a wrong paste shows up before Verify is pressed. */
async function describeKey() {
  const info = $('key-info');
  const pem = fields.publicKey.value.trim();
  // Fingerprinting is asynchronous: only the answer for the latest text may be shown.
  const generation = ++keyGeneration;
  let text = '';
  let state = '';
  if (pem !== '') {
    try {
      const key = parsePublicKey(pem);
      const fingerprint = await publicKeyFingerprint(key);
      text = `${key.keySpec} key · SHA-256 fingerprint ${fingerprint.slice(0, 16)}…`;
      state = 'ok';
    } catch (error) {
      text = `${error.code ?? error.name}: ${error.message}`;
      state = 'error';
    }
  }
  if (generation !== keyGeneration) return;
  info.textContent = text;
  info.dataset.state = state;
}

async function onVerify(event) {
  event.preventDefault();
  const generation = ++verifyGeneration;
  const algorithm = fields.algorithm.value;
  try {
    const signature = fromBase64(fields.signature.value, 'the signature');
    const bytes = inputBytes();
    const options = { key: fields.publicKey.value, algorithm, signature };
    if (mode() === 'digest') options.digest = bytes;
    else options.message = bytes;
    const userId = fields.userId.value;
    if (algorithm === 'SM2DSA' && mode() === 'message' && userId !== '') options.userId = userId;
    const valid = await verify(options);
    if (generation !== verifyGeneration) return;
    const over = mode() === 'digest' ? 'digest' : 'message';
    show(
      valid ? 'valid' : 'invalid',
      valid ? 'Valid signature' : 'Invalid signature',
      valid
        ? `The signature matches this ${over} under the pasted key with ${algorithm}.`
        : `The signature does not match this ${over} under the pasted key with ${algorithm}.`,
    );
  } catch (error) {
    // Library errors carry a stable code; argument errors (a digest of the wrong length) are
    // TypeError/RangeError and carry their name instead.
    if (generation !== verifyGeneration) return;
    show('error', `Error ${error.code ?? error.name}`, error.message);
  }
}

form.addEventListener('submit', onVerify);
form.addEventListener('change', syncForm);
form.addEventListener('change', withdrawVerdict);
form.addEventListener('input', withdrawVerdict);
fields.publicKey.addEventListener('input', describeKey);
syncForm();
void describeKey();
$('verify').disabled = false;
$('load-status').hidden = true;
document.documentElement.dataset.ready = 'true';
