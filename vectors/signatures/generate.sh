#!/usr/bin/env bash
# Regenerate vectors/signatures/signatures.json: signatures made by the OpenSSL
# command line with the test keys in vectors/keys/, each with OpenSSL's own
# verdict, for every KMS signing algorithm the key spec allows, over a message
# (what the library hashes) and over a precomputed digest (what KMS
# AsymmetricSign takes), plus tampered twins and r||s (P1363) forms.
#
# Run from the repository root:
#
#     bash vectors/signatures/generate.sh
#
# Needs the OpenSSL 3.x command line (override with OPENSSL=/path/to/openssl),
# coreutils, xxd and python3 (python3 only converts DER <-> r||s and flips
# bits; every signature, digest and verdict comes from OpenSSL).
#
# Every run makes new random messages and new (EC/SM2/PSS) signatures and
# overwrites signatures.json. The keys are NOT regenerated: run
# vectors/keys/generate.sh first if you want new keys, then this script.
#
# The script fails when an original signature does not verify with OpenSSL,
# when a tampered one does, or when OpenSSL reports something other than a
# verification success or failure. See vectors/signatures/README.md.

set -euo pipefail

if [[ ! -f package.json || ! -d vectors/keys || ! -d vectors/signatures ]]; then
    echo "generate.sh: run this from the repository root (bash vectors/signatures/generate.sh)" >&2
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
OUT=vectors/signatures/signatures.json
# Default SM2 distinguishing identifier (GM/T 0009-2012), the one KMS uses.
SM2_ID=1234567812345678
# A non-default SM2 user ID, for vectors that carry `userId`.
SM2_CUSTOM_ID=alice@example.com
# SM2 curve constants (GB/T 32918.5-2017; the same as src/keys/curves.ts SM2).
SM2_A=FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
SM2_B=28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
SM2_GX=32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
SM2_GY=BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0

PSS_SIGOPTS=(-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -sigopt rsa_mgf1_md:sha256)
PSS_PKEYOPTS=(-pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:32 -pkeyopt digest:sha256
    -pkeyopt rsa_mgf1_md:sha256)
PKCS1_PKEYOPTS=(-pkeyopt rsa_padding_mode:pkcs1 -pkeyopt digest:sha256)

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ENTRIES=$WORK/entries.jsonl
: > "$ENTRIES"

die() {
    echo "generate.sh: $*" >&2
    exit 1
}

# ---------------------------------------------------------------------------
# byte helpers (python3: bit flips and DER <-> r||s; nothing cryptographic)
# ---------------------------------------------------------------------------

cat > "$WORK/bytes.py" <<'PY'
import sys

def der_len(b, i):
    n = b[i]; i += 1
    if n < 0x80:
        return n, i
    k = n & 0x7F
    return int.from_bytes(b[i:i + k], 'big'), i + k

def der_to_p1363(der, size):
    if der[0] != 0x30:
        raise SystemExit('not a DER SEQUENCE')
    length, i = der_len(der, 1)
    if i + length != len(der):
        raise SystemExit('trailing bytes after the DER SEQUENCE')
    out = b''
    for _ in range(2):
        if der[i] != 0x02:
            raise SystemExit('not a DER INTEGER')
        n, i = der_len(der, i + 1)
        value = int.from_bytes(der[i:i + n], 'big')
        i += n
        out += value.to_bytes(size, 'big')
    if i != len(der):
        raise SystemExit('trailing bytes after s')
    return out

def der_int(value):
    body = value.to_bytes(max(1, (value.bit_length() + 8) // 8), 'big')
    return b'\x02' + der_length(len(body)) + body

def der_length(n):
    return bytes([n]) if n < 0x80 else bytes([0x81, n])

def p1363_to_der(sig):
    half = len(sig) // 2
    body = der_int(int.from_bytes(sig[:half], 'big')) + der_int(int.from_bytes(sig[half:], 'big'))
    return b'\x30' + der_length(len(body)) + body

cmd, src, dst = sys.argv[1:4]
data = bytearray(open(src, 'rb').read())
if cmd == 'flip':
    # flip bit 0 of the middle byte; an empty input gets one zero byte appended instead
    if len(data) == 0:
        data = bytearray(b'\x00')
    else:
        data[len(data) // 2] ^= 0x01
elif cmd == 'der2p1363':
    data = der_to_p1363(bytes(data), int(sys.argv[4]))
elif cmd == 'p13632der':
    data = p1363_to_der(bytes(data))
else:
    raise SystemExit('unknown command ' + cmd)
open(dst, 'wb').write(bytes(data))
PY

flip() { python3 "$WORK/bytes.py" flip "$1" "$2"; }
der_to_p1363() { python3 "$WORK/bytes.py" der2p1363 "$1" "$2" 32; }
p1363_to_der() { python3 "$WORK/bytes.py" p13632der "$1" "$2"; }
b64() { "$OPENSSL" base64 -A -in "$1"; }

# ---------------------------------------------------------------------------
# OpenSSL verdicts
# ---------------------------------------------------------------------------

# verdict <command...>: prints true when OpenSSL reports a verified signature,
# false when it reports a verification failure (or an unparsable signature);
# any other outcome (missing file, unreadable key) stops the script.
verdict() {
    local out rc=0
    out=$("$@" 2>&1) || rc=$?
    if [[ $rc -eq 0 ]]; then
        if [[ $out == *"Verified OK"* || $out == *"Signature Verified Successfully"* ]]; then
            echo true
            return
        fi
        die "openssl succeeded without a verdict: $* -> $out"
    fi
    if [[ $out == *"Verification Failure"* || $out == *"Verification failure"* \
        || $out == *"Error verifying data"* ]]; then
        echo false
        return
    fi
    die "openssl failed unexpectedly ($rc): $* -> $out"
}

# openssl_verify_message <algorithm> <spec> <message> <DER/RSA signature> <userId>
openssl_verify_message() {
    local alg=$1 spec=$2 msg=$3 sig=$4 uid=$5 pub=$KEYS/$2/public.pem
    case $alg in
        RSA_PKCS1_SHA_256 | ECDSA_SHA_256)
            verdict "$OPENSSL" dgst -sha256 -verify "$pub" -signature "$sig" "$msg" ;;
        RSA_PSS_SHA_256)
            verdict "$OPENSSL" dgst -sha256 "${PSS_SIGOPTS[@]}" -verify "$pub" -signature "$sig" "$msg" ;;
        SM2DSA)
            verdict "$OPENSSL" pkeyutl -verify -rawin -digest sm3 -pkeyopt "distid:$uid" \
                -pubin -inkey "$pub" -in "$msg" -sigfile "$sig" ;;
        *) die "unknown algorithm $alg" ;;
    esac
}

# openssl_verify_digest <algorithm> <spec> <digest> <DER/RSA signature>
openssl_verify_digest() {
    local alg=$1 spec=$2 dig=$3 sig=$4 pub=$KEYS/$2/public.pem
    case $alg in
        RSA_PKCS1_SHA_256)
            verdict "$OPENSSL" pkeyutl -verify "${PKCS1_PKEYOPTS[@]}" -pubin -inkey "$pub" -in "$dig" -sigfile "$sig" ;;
        RSA_PSS_SHA_256)
            verdict "$OPENSSL" pkeyutl -verify "${PSS_PKEYOPTS[@]}" -pubin -inkey "$pub" -in "$dig" -sigfile "$sig" ;;
        ECDSA_SHA_256)
            verdict "$OPENSSL" pkeyutl -verify -pkeyopt digest:sha256 -pubin -inkey "$pub" -in "$dig" -sigfile "$sig" ;;
        SM2DSA)
            # no -rawin: the input is e itself (see README.md)
            verdict "$OPENSSL" pkeyutl -verify -pubin -inkey "$pub" -in "$dig" -sigfile "$sig" ;;
        *) die "unknown algorithm $alg" ;;
    esac
}

# ---------------------------------------------------------------------------
# signing
# ---------------------------------------------------------------------------

# sign_message <algorithm> <spec> <message> <out> <userId>
sign_message() {
    local alg=$1 spec=$2 msg=$3 out=$4 uid=$5 priv=$KEYS/$2/private.pem
    case $alg in
        RSA_PKCS1_SHA_256 | ECDSA_SHA_256)
            "$OPENSSL" dgst -sha256 -sign "$priv" -out "$out" "$msg" ;;
        RSA_PSS_SHA_256)
            "$OPENSSL" dgst -sha256 "${PSS_SIGOPTS[@]}" -sign "$priv" -out "$out" "$msg" ;;
        SM2DSA)
            "$OPENSSL" pkeyutl -sign -rawin -digest sm3 -pkeyopt "distid:$uid" \
                -inkey "$priv" -in "$msg" -out "$out" ;;
        *) die "unknown algorithm $alg" ;;
    esac
}

# sign_digest <algorithm> <spec> <digest> <out>
sign_digest() {
    local alg=$1 spec=$2 dig=$3 out=$4 priv=$KEYS/$2/private.pem
    case $alg in
        RSA_PKCS1_SHA_256)
            "$OPENSSL" pkeyutl -sign "${PKCS1_PKEYOPTS[@]}" -inkey "$priv" -in "$dig" -out "$out" ;;
        RSA_PSS_SHA_256)
            "$OPENSSL" pkeyutl -sign "${PSS_PKEYOPTS[@]}" -inkey "$priv" -in "$dig" -out "$out" ;;
        ECDSA_SHA_256)
            "$OPENSSL" pkeyutl -sign -pkeyopt digest:sha256 -inkey "$priv" -in "$dig" -out "$out" ;;
        SM2DSA)
            # no -rawin: OpenSSL signs the 32 input bytes as e (see README.md)
            "$OPENSSL" pkeyutl -sign -inkey "$priv" -in "$dig" -out "$out" ;;
        *) die "unknown algorithm $alg" ;;
    esac
}

# sm2_e <spec> <userId> <message> <out>: e = SM3(Z || M),
# Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA) (GB/T 32918.2 §5.5).
sm2_e() {
    local spec=$1 uid=$2 msg=$3 out=$4 point idhex entl
    point=$(tail -c 65 "$KEYS/$spec/public.der" | xxd -p -c 256)
    if [[ ${#point} -ne 130 || ${point:0:2} != 04 ]]; then
        die "unexpected SM2 point in $KEYS/$spec/public.der: $point"
    fi
    idhex=$(printf '%s' "$uid" | xxd -p -c 256)
    entl=$(printf '%04x' $((${#uid} * 8)))
    printf '%s%s%s%s%s%s%s' "$entl" "$idhex" "$SM2_A" "$SM2_B" "$SM2_GX" "$SM2_GY" "${point:2}" \
        | xxd -r -p > "$WORK/z-input.bin"
    "$OPENSSL" dgst -sm3 -binary -out "$WORK/z.bin" "$WORK/z-input.bin"
    cat "$WORK/z.bin" "$msg" | "$OPENSSL" dgst -sm3 -binary -out "$out"
}

# ---------------------------------------------------------------------------
# entries
# ---------------------------------------------------------------------------

# emit <spec> <algorithm> <mode> <message> <digest|-> <signature> <der|p1363> <userId|-> <expected> <note>
emit() {
    local spec=$1 alg=$2 mode=$3 msg=$4 dig=$5 sig=$6 fmt=$7 uid=$8 expected=$9 note=${10}
    {
        printf '{"keySpec":"%s","algorithm":"%s","mode":"%s","message":"%s"' \
            "$spec" "$alg" "$mode" "$(b64 "$msg")"
        [[ $dig != - ]] && printf ',"digest":"%s"' "$(b64 "$dig")"
        printf ',"signature":"%s"' "$(b64 "$sig")"
        [[ $fmt != rsa ]] && printf ',"signatureFormat":"%s"' "$fmt"
        [[ $uid != - ]] && printf ',"userId":"%s"' "$uid"
        printf ',"expected":%s,"note":"%s"}\n' "$expected" "$note"
    } >> "$ENTRIES"
}

# require <verdict> <wanted> <what>
require() {
    [[ $1 == "$2" ]] || die "OpenSSL says $1 for $3 (wanted $2)"
}

# record <spec> <alg> <mode> <message> <digest|-> <sigfile: DER or RSA> <userId for entry|-> <verify-userId> <label>
# Emits the original, a signature-bit-flip twin and a message/digest-bit-flip
# twin, each with OpenSSL's verdict; for EC the same three again in r||s form.
record() {
    local spec=$1 alg=$2 mode=$3 msg=$4 dig=$5 sig=$6 uid=$7 vuid=$8 label=$9
    local fmt=rsa tag=$WORK/rec
    [[ $alg == ECDSA_SHA_256 || $alg == SM2DSA ]] && fmt=der

    check() { # <message-or-digest file> <DER/RSA sig>
        if [[ $mode == message ]]; then
            openssl_verify_message "$alg" "$spec" "$1" "$2" "$vuid"
        else
            openssl_verify_digest "$alg" "$spec" "$1" "$2"
        fi
    }

    local v
    flip "$sig" "$tag.sigflip"
    if [[ $mode == message ]]; then
        flip "$msg" "$tag.dataflip"
    else
        flip "$dig" "$tag.dataflip"
    fi
    local dataflip_msg=$msg dataflip_dig=$dig datanote
    if [[ $mode == message ]]; then
        dataflip_msg=$tag.dataflip
        if [[ -s $msg ]]; then datanote='message bit flipped'; else datanote='message extended by one zero byte'; fi
    else
        dataflip_dig=$tag.dataflip
        datanote='digest bit flipped (message kept for reference)'
    fi
    local data=$msg
    [[ $mode == digest ]] && data=$dig

    v=$(check "$data" "$sig")
    require "$v" true "$label"
    emit "$spec" "$alg" "$mode" "$msg" "$dig" "$sig" "$fmt" "$uid" "$v" "$label"
    v=$(check "$data" "$tag.sigflip")
    require "$v" false "$label, signature bit flipped"
    emit "$spec" "$alg" "$mode" "$msg" "$dig" "$tag.sigflip" "$fmt" "$uid" "$v" "$label; signature bit flipped"
    v=$(check "$tag.dataflip" "$sig")
    require "$v" false "$label, $datanote"
    emit "$spec" "$alg" "$mode" "$dataflip_msg" "$dataflip_dig" "$sig" "$fmt" "$uid" "$v" "$label; $datanote"

    [[ $fmt == der ]] || return 0
    # r||s forms; OpenSSL judges them after conversion back to DER
    der_to_p1363 "$sig" "$tag.p1363"
    p1363_to_der "$tag.p1363" "$tag.p1363.der"
    cmp -s "$tag.p1363.der" "$sig" || die "$label: DER -> r||s -> DER does not round-trip"
    flip "$tag.p1363" "$tag.p1363.sigflip"
    p1363_to_der "$tag.p1363.sigflip" "$tag.p1363.sigflip.der"
    v=$(check "$data" "$tag.p1363.der")
    require "$v" true "$label, p1363"
    emit "$spec" "$alg" "$mode" "$msg" "$dig" "$tag.p1363" p1363 "$uid" "$v" "$label; p1363"
    v=$(check "$data" "$tag.p1363.sigflip.der")
    require "$v" false "$label, p1363 signature bit flipped"
    emit "$spec" "$alg" "$mode" "$msg" "$dig" "$tag.p1363.sigflip" p1363 "$uid" "$v" \
        "$label; p1363; signature bit flipped"
    v=$(check "$tag.dataflip" "$tag.p1363.der")
    require "$v" false "$label, p1363, $datanote"
    emit "$spec" "$alg" "$mode" "$dataflip_msg" "$dataflip_dig" "$tag.p1363" p1363 "$uid" "$v" \
        "$label; p1363; $datanote"
}

# ---------------------------------------------------------------------------
# messages
# ---------------------------------------------------------------------------

MESSAGES=("$WORK/msg-0" "$WORK/msg-1" "$WORK/msg-100" "$WORK/msg-1000")
: > "$WORK/msg-0"
"$OPENSSL" rand -out "$WORK/msg-1" 1
"$OPENSSL" rand -out "$WORK/msg-100" 100
"$OPENSSL" rand -out "$WORK/msg-1000" 1000

msg_label() { echo "$(stat -c %s "$1")-byte message"; }

# ---------------------------------------------------------------------------
# RSA and ECDSA
# ---------------------------------------------------------------------------

sign_sha256() { # <spec> <algorithm>
    local spec=$1 alg=$2 msg label
    echo "== $spec $alg"
    for msg in "${MESSAGES[@]}"; do
        label="$(msg_label "$msg")"
        "$OPENSSL" dgst -sha256 -binary -out "$WORK/digest" "$msg"
        sign_message "$alg" "$spec" "$msg" "$WORK/sig-message" -
        record "$spec" "$alg" message "$msg" - "$WORK/sig-message" - - "$label, openssl dgst -sign"
        sign_digest "$alg" "$spec" "$WORK/digest" "$WORK/sig-digest"
        record "$spec" "$alg" digest "$msg" "$WORK/digest" "$WORK/sig-digest" - - \
            "$label, openssl pkeyutl -sign over SHA-256(message)"
        # Cross-checks: the two ways of signing are the same signature scheme.
        if [[ $alg == RSA_PKCS1_SHA_256 ]]; then
            cmp -s "$WORK/sig-message" "$WORK/sig-digest" \
                || die "$spec $alg: dgst -sign and pkeyutl -sign over the digest differ"
        fi
        require "$(openssl_verify_digest "$alg" "$spec" "$WORK/digest" "$WORK/sig-message")" true \
            "$spec $alg $label: message-mode signature checked over the digest"
        require "$(openssl_verify_message "$alg" "$spec" "$msg" "$WORK/sig-digest" -)" true \
            "$spec $alg $label: digest-mode signature checked over the message"
    done
}

for spec in RSA_2048 RSA_3072; do
    sign_sha256 "$spec" RSA_PSS_SHA_256
    sign_sha256 "$spec" RSA_PKCS1_SHA_256
done
for spec in EC_P256 EC_P256K; do
    sign_sha256 "$spec" ECDSA_SHA_256
done

# ---------------------------------------------------------------------------
# SM2DSA
# ---------------------------------------------------------------------------

echo "== EC_SM2 SM2DSA"
spec=EC_SM2
for msg in "${MESSAGES[@]}"; do
    label="$(msg_label "$msg")"
    sm2_e "$spec" "$SM2_ID" "$msg" "$WORK/e"
    sm2_e "$spec" "$SM2_CUSTOM_ID" "$msg" "$WORK/e-custom"

    # message mode, default user ID
    sign_message SM2DSA "$spec" "$msg" "$WORK/sig-message" "$SM2_ID"
    record "$spec" SM2DSA message "$msg" - "$WORK/sig-message" - "$SM2_ID" \
        "$label, openssl pkeyutl -sign -rawin -digest sm3, distid $SM2_ID"

    # The claim digest mode relies on: without -rawin, pkeyutl takes its input
    # as e. A -rawin signature over M must verify as a signature over our e.
    v=$(openssl_verify_digest SM2DSA "$spec" "$WORK/e" "$WORK/sig-message")
    require "$v" true "SM2 $label: the -rawin signature checked against e = SM3(Z || M) without -rawin"
    emit "$spec" SM2DSA digest "$msg" "$WORK/e" "$WORK/sig-message" der - "$v" \
        "$label; -rawin message signature (distid $SM2_ID) checked over e = SM3(Z || M) by pkeyutl -verify without -rawin"

    # digest mode: sign e directly
    sign_digest SM2DSA "$spec" "$WORK/e" "$WORK/sig-digest"
    record "$spec" SM2DSA digest "$msg" "$WORK/e" "$WORK/sig-digest" - - \
        "$label, openssl pkeyutl -sign without -rawin over e = SM3(Z || M), Z with user ID $SM2_ID"
    v=$(openssl_verify_message SM2DSA "$spec" "$msg" "$WORK/sig-digest" "$SM2_ID")
    require "$v" true "SM2 $label: the signature over e checked over M with -rawin"
    emit "$spec" SM2DSA message "$msg" - "$WORK/sig-digest" der - "$v" \
        "$label; signature over e (pkeyutl without -rawin) checked over M with -rawin -digest sm3 distid $SM2_ID"

    # message mode, custom user ID
    sign_message SM2DSA "$spec" "$msg" "$WORK/sig-custom" "$SM2_CUSTOM_ID"
    record "$spec" SM2DSA message "$msg" - "$WORK/sig-custom" "$SM2_CUSTOM_ID" "$SM2_CUSTOM_ID" \
        "$label, openssl pkeyutl -sign -rawin -digest sm3, distid $SM2_CUSTOM_ID"
    # ... which is a signature over e computed with that ID
    v=$(openssl_verify_digest SM2DSA "$spec" "$WORK/e-custom" "$WORK/sig-custom")
    require "$v" true "SM2 $label: the custom-ID signature checked over e with Z from $SM2_CUSTOM_ID"
    emit "$spec" SM2DSA digest "$msg" "$WORK/e-custom" "$WORK/sig-custom" der - "$v" \
        "$label; -rawin message signature (distid $SM2_CUSTOM_ID) checked over e = SM3(Z || M) with Z from user ID $SM2_CUSTOM_ID"

    # wrong user ID: each signature checked with the other ID
    v=$(openssl_verify_message SM2DSA "$spec" "$msg" "$WORK/sig-custom" "$SM2_ID")
    require "$v" false "SM2 $label: custom-ID signature checked with the default ID"
    emit "$spec" SM2DSA message "$msg" - "$WORK/sig-custom" der - "$v" \
        "$label; signed with distid $SM2_CUSTOM_ID, checked with the default user ID"
    v=$(openssl_verify_message SM2DSA "$spec" "$msg" "$WORK/sig-message" "$SM2_CUSTOM_ID")
    require "$v" false "SM2 $label: default-ID signature checked with the custom ID"
    emit "$spec" SM2DSA message "$msg" - "$WORK/sig-message" der "$SM2_CUSTOM_ID" "$v" \
        "$label; signed with distid $SM2_ID, checked with user ID $SM2_CUSTOM_ID"
    v=$(openssl_verify_digest SM2DSA "$spec" "$WORK/e-custom" "$WORK/sig-message")
    require "$v" false "SM2 $label: default-ID signature checked over the custom-ID e"
    emit "$spec" SM2DSA digest "$msg" "$WORK/e-custom" "$WORK/sig-message" der - "$v" \
        "$label; signed with distid $SM2_ID, checked over e with Z from user ID $SM2_CUSTOM_ID"
done

# ---------------------------------------------------------------------------
# signatures.json
# ---------------------------------------------------------------------------

count=$(wc -l < "$ENTRIES")
{
    printf '{\n'
    printf '  "description": "Signatures made and judged by the OpenSSL CLI with vectors/keys/*/private.pem; see vectors/signatures/README.md",\n'
    printf '  "openssl": "%s",\n' "$ossl_version"
    printf '  "defaultSm2UserId": "%s",\n' "$SM2_ID"
    printf '  "entries": [\n'
    sed -e 's/^/    /' -e '$!s/$/,/' "$ENTRIES"
    printf '  ]\n}\n'
} > "$OUT"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert len(d["entries"]) == int(sys.argv[2])' \
    "$OUT" "$count"
echo "wrote $OUT: $count entries, $(stat -c %s "$OUT") bytes"
