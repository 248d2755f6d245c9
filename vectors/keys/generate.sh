#!/usr/bin/env bash
# Regenerate the test key material under vectors/keys/ (and, at the end,
# vectors/sample/keys.json via vectors/sample/generate.sh).
#
# Run from the repository root:
#
#     bash vectors/keys/generate.sh
#
# Needs only the OpenSSL 3.x command line plus coreutils, xxd and python3.
# Every run creates FRESH keys: all files below are overwritten and the key
# material changes; everything else (names, subjects, identifiers) is fixed.
#
# THE PRIVATE KEYS WRITTEN HERE ARE TEST FIXTURES. They are committed to a
# public repository and must never be used to protect anything real.
#
# See vectors/keys/README.md for a description of every output file.

set -euo pipefail

if [[ ! -f package.json || ! -d vectors/keys ]]; then
    echo "generate.sh: run this from the repository root (bash vectors/keys/generate.sh)" >&2
    exit 1
fi

OPENSSL=${OPENSSL:-openssl}
ossl_version=$("$OPENSSL" version)
case "$ossl_version" in
    "OpenSSL 3."*) ;;
    *)
        echo "generate.sh: need OpenSSL 3.x, found: $ossl_version" >&2
        exit 1
        ;;
esac
echo "using $ossl_version"

KEYS=vectors/keys
REQ_CNF=$KEYS/req.cnf
CERT_DAYS=36500
# Default SM2 distinguishing identifier (GM/T 0009-2012), also used by KMS.
SM2_ID=1234567812345678
SM2_OID=1.2.156.10197.1.301

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

# write_public <private.pem> <dir>: public.pem/.der/.b64/.txt
write_public() {
    local priv=$1 dir=$2
    "$OPENSSL" pkey -in "$priv" -pubout -out "$dir/public.pem"
    "$OPENSSL" pkey -pubin -in "$dir/public.pem" -outform DER -out "$dir/public.der"
    # one line, no PEM armour, trailing newline
    { "$OPENSSL" base64 -A -in "$dir/public.der"; echo; } > "$dir/public.b64"
    "$OPENSSL" pkey -pubin -in "$dir/public.pem" -text -noout > "$dir/public.txt"
}

# write_cert_and_csr <dir> <spec> <digest/signature options...>
write_cert_and_csr() {
    local dir=$1 spec=$2
    shift 2
    local subj="/CN=kms-verify test $spec"
    "$OPENSSL" req -config "$REQ_CNF" -x509 -new -key "$dir/private.pem" \
        -subj "$subj" -days "$CERT_DAYS" "$@" -out "$dir/cert.pem"
    "$OPENSSL" req -config "$REQ_CNF" -new -key "$dir/private.pem" \
        -subj "$subj" "$@" -out "$dir/csr.pem"
}

# write_ec_variants <dir>: compressed.pem/.txt and explicit.pem
write_ec_variants() {
    local dir=$1
    "$OPENSSL" ec -pubin -in "$dir/public.pem" -conv_form compressed -pubout \
        -out "$dir/compressed.pem" 2>/dev/null
    "$OPENSSL" pkey -pubin -in "$dir/compressed.pem" -text -noout > "$dir/compressed.txt"
    "$OPENSSL" ec -pubin -in "$dir/public.pem" -param_enc explicit -pubout \
        -out "$dir/explicit.pem" 2>/dev/null
}

gen_rsa() {
    local spec=$1 bits=$2 dir=$KEYS/$1
    echo "== $spec"
    mkdir -p "$dir"
    "$OPENSSL" genpkey -quiet -algorithm RSA -pkeyopt "rsa_keygen_bits:$bits" \
        -out "$dir/private.pem"
    write_public "$dir/private.pem" "$dir"
    write_cert_and_csr "$dir" "$spec" -sha256
    "$OPENSSL" rsa -pubin -in "$dir/public.pem" -RSAPublicKey_out \
        -out "$dir/pkcs1.pem" 2>/dev/null
    "$OPENSSL" rsa -pubin -in "$dir/public.pem" -RSAPublicKey_out -outform DER \
        -out "$dir/pkcs1.der" 2>/dev/null
}

gen_ec() {
    local spec=$1 curve=$2 dir=$KEYS/$1
    echo "== $spec"
    mkdir -p "$dir"
    "$OPENSSL" genpkey -quiet -algorithm EC -pkeyopt "ec_paramgen_curve:$curve" \
        -pkeyopt ec_param_enc:named_curve -out "$dir/private.pem"
    write_public "$dir/private.pem" "$dir"
    write_cert_and_csr "$dir" "$spec" -sha256
    write_ec_variants "$dir"
}

# write_sm2_oid_spki <public.der> <out-basename> <with-params: 0|1>
# Builds an SPKI whose AlgorithmIdentifier.algorithm is the SM2 curve OID
# itself (instead of id-ecPublicKey), optionally with the same OID again as
# the parameters, around the same uncompressed point as public.der.
write_sm2_oid_spki() {
    local der=$1 out=$2 with_params=$3
    local point cnf=$WORK/sm2-oid.cnf
    # The uncompressed P-256-sized point (04 || X || Y) is the last 65 bytes
    # of the SPKI; the byte before it is the BIT STRING's unused-bits 00.
    point=$(tail -c 65 "$der" | xxd -p -c 256)
    if [[ ${#point} -ne 130 || ${point:0:2} != 04 ]]; then
        echo "generate.sh: unexpected SM2 point in $der: $point" >&2
        exit 1
    fi
    {
        echo "asn1 = SEQUENCE:spki"
        echo "[spki]"
        echo "algorithm = SEQUENCE:alg"
        echo "subjectPublicKey = FORMAT:HEX,BITSTRING:$point"
        echo "[alg]"
        echo "algorithm = OID:$SM2_OID"
        if [[ $with_params == 1 ]]; then
            echo "parameters = OID:$SM2_OID"
        fi
    } > "$cnf"
    "$OPENSSL" asn1parse -genconf "$cnf" -noout -out "$out.der"
    "$OPENSSL" base64 -in "$out.der" -out "$WORK/b64"
    {
        echo "-----BEGIN PUBLIC KEY-----"
        cat "$WORK/b64"
        echo "-----END PUBLIC KEY-----"
    } > "$out.pem"
    # must at least be well-formed DER
    "$OPENSSL" asn1parse -inform DER -in "$out.der" > /dev/null
}

gen_sm2() {
    local spec=EC_SM2 dir=$KEYS/EC_SM2
    echo "== $spec"
    mkdir -p "$dir"
    "$OPENSSL" genpkey -quiet -algorithm SM2 -out "$dir/private.pem"
    write_public "$dir/private.pem" "$dir"
    write_cert_and_csr "$dir" "$spec" -sm3 -sigopt "distid:$SM2_ID"
    write_ec_variants "$dir"
    write_sm2_oid_spki "$dir/public.der" "$dir/sm2-algorithm-oid" 0
    write_sm2_oid_spki "$dir/public.der" "$dir/sm2-algorithm-oid-params" 1
}

# gen_other <name> <genpkey args...>: other/<name>.key.pem, .pem, .txt
gen_other() {
    local name=$1 dir=$KEYS/other
    shift
    mkdir -p "$dir"
    if ! "$OPENSSL" genpkey -quiet "$@" -out "$WORK/$name.key.pem" 2> "$WORK/err"; then
        echo "   SKIPPED other/$name: openssl genpkey refused: $(tr '\n' ' ' < "$WORK/err")" >&2
        rm -f "$dir/$name.key.pem" "$dir/$name.pem" "$dir/$name.txt"
        return 0
    fi
    mv "$WORK/$name.key.pem" "$dir/$name.key.pem"
    "$OPENSSL" pkey -in "$dir/$name.key.pem" -pubout -out "$dir/$name.pem"
    "$OPENSSL" pkey -pubin -in "$dir/$name.pem" -text -noout > "$dir/$name.txt"
}

# ---------------------------------------------------------------------------
# KMS key specs
# ---------------------------------------------------------------------------

gen_rsa RSA_2048 2048
gen_rsa RSA_3072 3072
gen_ec  EC_P256  prime256v1
gen_ec  EC_P256K secp256k1
gen_sm2

# ---------------------------------------------------------------------------
# valid keys that are not KMS key specs
# ---------------------------------------------------------------------------

echo "== other"
gen_other rsa-1024     -algorithm RSA -pkeyopt rsa_keygen_bits:1024
gen_other rsa-4096     -algorithm RSA -pkeyopt rsa_keygen_bits:4096
gen_other rsa-2047     -algorithm RSA -pkeyopt rsa_keygen_bits:2047
gen_other rsa-2048-e3  -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -pkeyopt rsa_keygen_pubexp:3
gen_other rsa-pss-2048 -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048
gen_other rsa-pss-2048-sha256 -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 \
    -pkeyopt rsa_pss_keygen_md:sha256 -pkeyopt rsa_pss_keygen_mgf1_md:sha256 \
    -pkeyopt rsa_pss_keygen_saltlen:32
gen_other p384    -algorithm EC -pkeyopt ec_paramgen_curve:secp384r1 -pkeyopt ec_param_enc:named_curve
gen_other ed25519 -algorithm ED25519
gen_other x25519  -algorithm X25519

# ---------------------------------------------------------------------------
# sanity checks: fail loudly if something came out wrong
# ---------------------------------------------------------------------------

echo "== checks"
for spec in RSA_2048 RSA_3072 EC_P256 EC_P256K EC_SM2; do
    d=$KEYS/$spec
    "$OPENSSL" pkey -pubin -in "$d/public.pem" -noout
    "$OPENSSL" pkey -pubin -inform DER -in "$d/public.der" -noout
    cmp -s <("$OPENSSL" base64 -d -A -in "$d/public.b64") "$d/public.der"
    if [[ $spec == EC_SM2 ]]; then
        "$OPENSSL" req -in "$d/csr.pem" -verify -noout -vfyopt "distid:$SM2_ID" 2>/dev/null
    else
        "$OPENSSL" req -in "$d/csr.pem" -verify -noout 2>/dev/null
    fi
    "$OPENSSL" verify -CAfile "$d/cert.pem" "$d/cert.pem" > /dev/null
    # certificate carries exactly the same SubjectPublicKeyInfo
    cmp -s <("$OPENSSL" x509 -in "$d/cert.pem" -noout -pubkey) "$d/public.pem"
    case $spec in
        RSA_*)
            "$OPENSSL" rsa -RSAPublicKey_in -in "$d/pkcs1.pem" -noout 2>/dev/null
            ;;
        *)
            "$OPENSSL" pkey -pubin -in "$d/compressed.pem" -noout
            ;;
    esac
done
for f in "$KEYS"/other/*.pem; do
    case $f in
        *.key.pem) "$OPENSSL" pkey -in "$f" -noout ;;
        *)         "$OPENSSL" pkey -pubin -in "$f" -noout ;;
    esac
done
echo "keys OK"

# ---------------------------------------------------------------------------
# vectors/sample/keys.json (GetPublicKey-shaped responses over these keys)
# ---------------------------------------------------------------------------

bash vectors/sample/generate.sh
# The sample audit records are signed with these keys, so they are remade with them.
bash vectors/sample/generate-records.sh
