/** Types for the parts of sm-crypto (which ships none) that the benchmarks call. */
declare module 'sm-crypto' {
  const smCrypto: {
    sm2: {
      doSignature(message: string, privateKeyHex: string, options: { hash: boolean; der: boolean }): string;
      doVerifySignature(
        message: string,
        signatureHex: string,
        publicKeyHex: string,
        options: { hash: boolean },
      ): boolean;
      doEncrypt(message: string | number[], publicKeyHex: string, cipherMode: 0 | 1): string;
    };
  };
  export default smCrypto;
}
