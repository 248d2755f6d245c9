/**
 * The KMS error answers the emulator gives, as a table: code -> HTTP status and the message KMS
 * sends. Statuses follow the Alibaba Cloud KMS API reference ("Common error codes", each action's
 * error table, and "Impact of CMK status on API operations", where every Rejected.* answer is 409);
 * the OpenAPI gateway codes (signature, AccessKey, timestamp, nonce, throttling) follow the gateway's
 * published behaviour. The body is `{RequestId, HostId, Code, Message, Recommend}` in JSON or XML.
 */

export interface KmsErrorEntry {
  readonly status: number;
  readonly message: string;
}

const entries: readonly (readonly [string, number, string])[] = [
  // The OpenAPI gateway: parameters, authentication, replay, flow control.
  [
    'MissingParameter',
    400,
    'The input parameter that is mandatory for processing this request is not supplied.',
  ],
  ['InvalidParameter', 400, 'The specified parameter is not valid.'],
  [
    'IllegalTimestamp',
    400,
    'The input parameter "Timestamp" that is mandatory for processing this request is not supplied or is more than 15 minutes away from the server time.',
  ],
  ['SignatureDoesNotMatch', 400, 'Specified signature is not matched with our calculation.'],
  ['IncompleteSignature', 400, 'The request signature does not conform to Aliyun standards.'],
  ['SignatureNonceUsed', 400, 'Specified signature nonce was used already.'],
  ['InvalidAccessKeyId.NotFound', 404, 'Specified access key is not found.'],
  ['InvalidSecurityToken.MismatchWithAccessKey', 400, 'Specified SecurityToken mismatch with the AccessKey.'],
  ['InvalidAction.NotFound', 404, 'Specified api is not found, please check your url and method.'],
  ['InvalidVersion', 400, 'Specified parameter Version is not valid.'],
  ['UnsupportedHTTPMethod', 403, 'This http method is not supported.'],
  ['Rejected.Throttling', 429, 'QPS Limit Exceeded'],
  ['ServiceUnavailableTemporary', 503, 'The service is temporarily unavailable, please try again later.'],
  ['InternalFailure', 500, 'Internal Failure'],
  // The emulator's own limit on request bodies (real KMS bodies are far smaller than 1 MiB).
  ['RequestEntityTooLarge', 413, 'The request body is larger than 1 MiB.'],
  // KMS itself.
  ['Forbidden.KeyNotFound', 404, 'The specified Key is not found.'],
  ['Forbidden.KeyVersionNotFound', 404, 'The specified Key version is not found.'],
  ['Forbidden.AliasNotFound', 404, 'The specified Alias is not found.'],
  ['Rejected.Disabled', 409, 'The request was rejected because the key state is Disabled.'],
  ['AliasAlreadyExists', 400, 'AliasName Already Exists.'],
  ['Unsupported.Alias', 400, 'Alias is not valid for this api.'],
  ['UnsupportedOperation', 400, 'This action is not supported.'],
  // DryRun outcomes, as the GetPublicKey reference lists them.
  ['DryRunOperationError', 400, 'The request would have succeeded, but DryRun is set.'],
  ['ValidationError', 400, 'The parameters of the request are not valid.'],
  ['AccessDeniedError', 403, 'You are not authorized to perform this operation on the KMS resource.'],
];

const TABLE: ReadonlyMap<string, KmsErrorEntry> = new Map(
  entries.map(([code, status, message]) => [code, Object.freeze({ status, message })]),
);

/** A KMS error answer: thrown by handlers and the authenticator, rendered by the server. */
export class KmsApiError extends Error {
  override name = 'KmsApiError';
  readonly status: number;
  readonly code: string;

  /** `code` must be in the table; `message` replaces the table's text when more precise. */
  constructor(code: string, message?: string) {
    const entry = TABLE.get(code);
    if (entry === undefined) throw new RangeError(`no KMS error code ${JSON.stringify(code)} in the table`);
    super(message ?? entry.message);
    this.status = entry.status;
    this.code = code;
  }
}

export function kmsErrorEntry(code: string): KmsErrorEntry | undefined {
  return TABLE.get(code);
}

export function kmsErrorCodes(): readonly string[] {
  return [...TABLE.keys()];
}

/**
 * A required parameter is absent. The gateway (signature fields) and KMS itself (action parameters)
 * word the message differently; the code and status are the same.
 */
export function missingParameter(name: string, layer: 'gateway' | 'kms' = 'kms'): KmsApiError {
  return new KmsApiError(
    'MissingParameter',
    layer === 'gateway'
      ? `The input parameter "${name}" that is mandatory for processing this request is not supplied.`
      : `The parameter "${name}" is needed but not provided.`,
  );
}

export function invalidParameter(name: string, detail: string): KmsApiError {
  return new KmsApiError('InvalidParameter', `The specified parameter "${name}" is not valid: ${detail}`);
}

/** The link Alibaba's gateway puts in every error body, pointing to its troubleshooting page. */
export function recommendUrl(code: string, requestId: string): string {
  return `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(code)}&product=Kms&requestId=${requestId}`;
}
