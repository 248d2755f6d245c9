/**
 * The actions that use a key version: GetPublicKey and the Asymmetric* operations. Checks come in
 * KMS's order: the key (Forbidden.KeyNotFound / Forbidden.AliasNotFound), the version
 * (Forbidden.KeyVersionNotFound), the key state (Rejected.Disabled, 409), the key usage (signing with
 * an ENCRYPT/DECRYPT key and the reverse: UnsupportedOperation), then the algorithm for the key spec
 * and the data (InvalidParameter). The private-key work is signing.ts's and decryption.ts's; their
 * refusals become InvalidParameter naming the parameter at fault.
 */

import { bytesToBase64 } from '../internal/base64.js';
import { decryptWith, encryptWith } from './decryption.js';
import {
  EmulatorCryptoError,
  ENCRYPTION_ALGORITHMS_BY_SPEC,
  SIGNING_ALGORITHMS_BY_SPEC,
} from './key-material.js';
import { invalidParameter, KmsApiError } from './kms-errors.js';
import { type ActionContext, type ActionDefinition, base64Parameter, required } from './parameters.js';
import type { ResponseBody } from './responses.js';
import { signDigest, verifyDigest } from './signing.js';
import type { EmulatorKey, EmulatorKeyVersion, KeyUsage } from './store.js';

/** The key and version of a cryptographic call, checked for state, usage and algorithm. */
function operand(
  context: ActionContext,
  usage: KeyUsage,
): { key: EmulatorKey; version: EmulatorKeyVersion; algorithm: string } {
  const key = context.store.key(required(context, 'KeyId'));
  const version = context.store.version(key, required(context, 'KeyVersionId'));
  const algorithm = required(context, 'Algorithm');
  if (key.state !== 'Enabled') throw new KmsApiError('Rejected.Disabled');
  if (key.keyUsage !== usage) {
    throw new KmsApiError(
      'UnsupportedOperation',
      `This action needs a ${usage} key; the key ${key.keyId} is ${key.keyUsage}.`,
    );
  }
  const table = usage === 'SIGN/VERIFY' ? SIGNING_ALGORITHMS_BY_SPEC : ENCRYPTION_ALGORITHMS_BY_SPEC;
  const allowed = table.get(key.keySpec) ?? [];
  if (!allowed.includes(algorithm)) {
    throw invalidParameter(
      'Algorithm',
      `a ${key.keySpec} key takes ${allowed.join(', ')}, not ${JSON.stringify(algorithm.slice(0, 100))}`,
    );
  }
  return { key, version, algorithm };
}

/** Runs a private-key operation, turning the key-material refusals into KMS answers. */
async function crypto<T>(operation: () => T | Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (!(error instanceof EmulatorCryptoError)) throw error;
    const parameter = {
      algorithm: 'Algorithm',
      digest: 'Digest',
      plaintext: 'Plaintext',
      ciphertext: 'CiphertextBlob',
      key: 'KeyId',
    }[error.reason];
    throw invalidParameter(parameter, error.message);
  }
}

function ids(version: EmulatorKeyVersion): ResponseBody {
  return { KeyId: version.keyId, KeyVersionId: version.keyVersionId };
}

export const CRYPTO_ACTIONS: Readonly<Record<string, ActionDefinition>> = {
  GetPublicKey: {
    required: ['KeyId', 'KeyVersionId'],
    dryRun: true,
    handle(context) {
      const key = context.store.key(required(context, 'KeyId'));
      const version = context.store.version(key, required(context, 'KeyVersionId'));
      if (key.state !== 'Enabled') throw new KmsApiError('Rejected.Disabled');
      return { ...ids(version), PublicKey: version.material.publicKeyPem };
    },
  },
  AsymmetricSign: {
    required: ['KeyId', 'KeyVersionId', 'Algorithm', 'Digest'],
    dryRun: true,
    async handle(context) {
      const { version, algorithm } = operand(context, 'SIGN/VERIFY');
      const digest = base64Parameter(context, 'Digest');
      const signature = await crypto(() => signDigest(version.material, algorithm, digest));
      return { ...ids(version), Value: bytesToBase64(signature) };
    },
  },
  AsymmetricVerify: {
    required: ['KeyId', 'KeyVersionId', 'Algorithm', 'Digest', 'Value'],
    dryRun: true,
    async handle(context) {
      const { version, algorithm } = operand(context, 'SIGN/VERIFY');
      const digest = base64Parameter(context, 'Digest');
      const signature = base64Parameter(context, 'Value');
      const valid = await crypto(() => verifyDigest(version.material, algorithm, digest, signature));
      return { ...ids(version), Value: valid };
    },
  },
  AsymmetricEncrypt: {
    required: ['KeyId', 'KeyVersionId', 'Algorithm', 'Plaintext'],
    dryRun: true,
    async handle(context) {
      const { version, algorithm } = operand(context, 'ENCRYPT/DECRYPT');
      const plaintext = base64Parameter(context, 'Plaintext');
      const ciphertext = await crypto(() => encryptWith(version.material, algorithm, plaintext));
      return { ...ids(version), CiphertextBlob: bytesToBase64(ciphertext) };
    },
  },
  AsymmetricDecrypt: {
    required: ['KeyId', 'KeyVersionId', 'Algorithm', 'CiphertextBlob'],
    dryRun: true,
    async handle(context) {
      const { version, algorithm } = operand(context, 'ENCRYPT/DECRYPT');
      const ciphertext = base64Parameter(context, 'CiphertextBlob');
      const plaintext = await crypto(() => decryptWith(version.material, algorithm, ciphertext));
      return { ...ids(version), Plaintext: bytesToBase64(plaintext) };
    },
  },
};
