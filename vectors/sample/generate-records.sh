#!/usr/bin/env bash
# Write signed audit records over the sample keys:
#
#   vectors/sample/records.jsonl           genuine records, all valid
#   vectors/sample/tampered.jsonl          the same records, some tampered
#   vectors/sample/tampered-expected.json  the verdict for each tampered.jsonl line
#
# Run from the repository root:
#
#     bash vectors/sample/generate-records.sh
#
# Needs the OpenSSL 3.x command line (override with OPENSSL=/path/to/openssl),
# coreutils, xxd and python3. python3 only builds and reads JSON, converts
# base64, flips bits and converts DER <-> r||s; every signature, digest and
# verdict comes from OpenSSL.
#
# The keys are NOT regenerated. Run vectors/keys/generate.sh first if you want
# new keys (it also rewrites vectors/sample/keys.json), then this script. Every
# run makes new random messages and new ECDSA/SM2/RSA-PSS signatures; record
# ids, order, algorithms, modes, text messages and random-message lengths are
# fixed.
#
# records.jsonl: one AsymmetricVerify-shaped JSON object per line,
#     {"id","KeyId","KeyVersionId","Algorithm","Value", "Message"|"Digest",
#      "SignatureFormat"?}
# 7 blocks of 8 records, in this order (lines):
#      1- 8  RSA_2048  RSA_PSS_SHA_256     (key a001)
#      9-16  RSA_2048  RSA_PKCS1_SHA_256   (key a001)
#     17-24  RSA_3072  RSA_PSS_SHA_256     (key a002)
#     25-32  RSA_3072  RSA_PKCS1_SHA_256   (key a002)
#     33-40  EC_P256   ECDSA_SHA_256       (key a003)
#     41-48  EC_P256K  ECDSA_SHA_256       (key a004)
#     49-56  EC_SM2    SM2DSA              (key a005)
# Inside a block, positions 1-4 carry "Message" and 5-8 carry "Digest":
#     pos 1  Message  audit text line
#     pos 2  Message  random bytes
#     pos 3  Message  empty message ("Message": "")
#     pos 4  Message  random bytes             (EC/SM2 blocks: "SignatureFormat":"p1363")
#     pos 5  Digest   of an audit text line
#     pos 6  Digest   of random bytes
#     pos 7  Digest   of another audit text line
#     pos 8  Digest   of random bytes          (EC/SM2 blocks: "SignatureFormat":"p1363")
# So p1363 records are lines 36, 40, 44, 48, 52, 56; empty messages are lines
# 3, 11, 19, 27, 35, 43, 51. Digest = SHA-256(message), or for SM2DSA
# e = SM3(Z || message) with the default user ID 1234567812345678.
#
# tampered.jsonl: line N is records.jsonl line N (same id), except:
#     2   KeyVersionId -> 00000000-0000-4000-8000-00000000a0ff (not in
#         keys.json; KeyId unchanged)                   -> ERR_KEY_NOT_FOUND
#     12  the line is cut before its final "}" (invalid JSON)
#                                                        -> ERR_RECORD_FORMAT
#     18  one character in the middle of Value replaced by "!" (not base64)
#                                                        -> ERR_RECORD_FORMAT
#     38  the "Value" field removed                      -> ERR_RECORD_FORMAT
#     53  Algorithm SM2DSA -> ECDSA_SHA_256 on the SM2 key
#                                                        -> ERR_ALGORITHM_MISMATCH
#     5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55 (every 5th line)
#         bit 0 of the LAST byte of the decoded Value flipped (for DER this
#         is the low bit of s, so the DER stays well-formed; line 40 is p1363)
#                                                        -> valid: false
#     7, 14, 21, 28, 42, 49, 56 (every 7th line except 35, which is already
#         a 5th line) the middle byte (index len/2) of the decoded Message or
#         Digest XORed with 0x01 (none of these messages is empty)
#                                                        -> valid: false
#     all other lines                                    -> valid: true
# tampered-expected.json lists {"line": N, "valid": true|false} or
# {"line": N, "error": "ERR_..."} for every line, 1-based.
#
# The script fails if keys.json does not match vectors/keys/<SPEC>/private.pem,
# if any record does not verify with OpenSSL, if any tampered signature or
# message verifies, if a tampered.jsonl line does not match its expected
# verdict, or if OpenSSL reports anything other than success or failure.
# See vectors/sample/README.md.

set -euo pipefail

if [[ ! -f package.json || ! -d vectors/keys || ! -f vectors/sample/keys.json ]]; then
    echo "generate-records.sh: run this from the repository root (bash vectors/sample/generate-records.sh)" >&2
    exit 1
fi

OPENSSL=${OPENSSL:-openssl}
ossl_version=$("$OPENSSL" version)
case "$ossl_version" in
    "OpenSSL 3."*) ;;
    *)
        echo "generate-records.sh: need OpenSSL 3.x, found: $ossl_version" >&2
        exit 1
        ;;
esac
echo "using $ossl_version"

KEYS=vectors/keys
SAMPLE=vectors/sample
KEYS_JSON=$SAMPLE/keys.json
RECORDS=$SAMPLE/records.jsonl
TAMPERED=$SAMPLE/tampered.jsonl
EXPECTED=$SAMPLE/tampered-expected.json
SPECS=(RSA_2048 RSA_3072 EC_P256 EC_P256K EC_SM2)
# Default SM2 distinguishing identifier (GM/T 0009-2012), the one KMS uses.
SM2_ID=1234567812345678
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

die() {
    echo "generate-records.sh: $*" >&2
    exit 1
}

# ---------------------------------------------------------------------------
# python helpers (JSON, base64, bit flips, DER <-> r||s; nothing cryptographic)
# ---------------------------------------------------------------------------

cat > "$WORK/tool.py" <<'PY'
import base64
import json
import sys


def der_len(b, i):
    n = b[i]; i += 1
    if n < 0x80:
        return n, i
    k = n & 0x7F
    if k == 0 or k > 2:
        raise SystemExit('bad DER length')
    return int.from_bytes(b[i:i + k], 'big'), i + k


def der_to_p1363(der, size=32):
    """Strict parse of an ECDSA-Sig-Value; raises SystemExit if malformed."""
    if len(der) < 2 or der[0] != 0x30:
        raise SystemExit('not a DER SEQUENCE')
    length, i = der_len(der, 1)
    if i + length != len(der):
        raise SystemExit('trailing bytes after the DER SEQUENCE')
    out = b''
    for _ in range(2):
        if der[i] != 0x02:
            raise SystemExit('not a DER INTEGER')
        n, i = der_len(der, i + 1)
        body = der[i:i + n]
        if n == 0 or body[0] & 0x80 or (n > 1 and body[0] == 0 and not body[1] & 0x80):
            raise SystemExit('non-minimal or negative DER INTEGER')
        value = int.from_bytes(body, 'big')
        if value == 0 or value.bit_length() > size * 8:
            raise SystemExit('DER INTEGER out of range')
        i += n
        out += value.to_bytes(size, 'big')
    if i != len(der):
        raise SystemExit('trailing bytes after s')
    return out


def der_length(n):
    return bytes([n]) if n < 0x80 else bytes([0x81, n])


def der_int(value):
    body = value.to_bytes(max(1, (value.bit_length() + 8) // 8), 'big')
    return b'\x02' + der_length(len(body)) + body


def p1363_to_der(sig):
    if len(sig) != 64:
        raise SystemExit('r||s must be 64 bytes')
    body = der_int(int.from_bytes(sig[:32], 'big')) + der_int(int.from_bytes(sig[32:], 'big'))
    return b'\x30' + der_length(len(body)) + body


def b64(data):
    return base64.b64encode(data).decode('ascii')


def unb64(text):
    data = base64.b64decode(text, validate=True)
    if b64(data) != text:
        raise SystemExit('non-canonical base64')
    return data


def dumps(obj):
    return json.dumps(obj, separators=(',', ':'), ensure_ascii=True)


def read(path):
    with open(path, 'rb') as f:
        return f.read()


def write(path, data):
    with open(path, 'wb') as f:
        f.write(data)


cmd, args = sys.argv[1], sys.argv[2:]

if cmd == 'keys':
    # keys <keys.json> <workdir>: print "index KeyId KeyVersionId" and write kj-<index>.pem
    entries = json.load(open(args[0], encoding='ascii'))
    for index, entry in enumerate(entries):
        with open(f'{args[1]}/kj-{index}.pem', 'w', encoding='ascii', newline='\n') as f:
            f.write(entry['PublicKey'])
        print(index, entry['KeyId'], entry['KeyVersionId'])

elif cmd == 'der2p1363':
    write(args[1], der_to_p1363(read(args[0])))

elif cmd == 'p13632der':
    write(args[1], p1363_to_der(read(args[0])))

elif cmd == 'derok':
    der_to_p1363(read(args[0]))

elif cmd == 'record':
    # record <id> <KeyId> <KeyVersionId> <Algorithm> <Message|Digest> <data file> <sig file> <der|p1363|rsa>
    rid, key_id, version_id, alg, field, data, sig, fmt = args
    obj = {'id': rid, 'KeyId': key_id, 'KeyVersionId': version_id, 'Algorithm': alg,
           'Value': b64(read(sig)), field: b64(read(data))}
    if fmt == 'p1363':
        obj['SignatureFormat'] = 'p1363'
    print(dumps(obj))

elif cmd == 'unpack':
    # unpack <line> <keys.json> <workdir>: parse one record strictly and write
    # v.data (Message or Digest bytes) and v.sig (DER or raw RSA signature);
    # print "<key index> <Algorithm> <message|digest> <der|p1363|rsa>".
    line, keys_json, work = args
    rec = json.loads(line)
    if not isinstance(rec, dict):
        raise SystemExit('not an object')
    for field in ('id', 'KeyId', 'KeyVersionId', 'Algorithm', 'Value'):
        if not isinstance(rec.get(field), str) or rec[field] == '':
            raise SystemExit(f'missing {field}')
    if ('Message' in rec) == ('Digest' in rec):
        raise SystemExit('need exactly one of Message and Digest')
    entries = json.load(open(keys_json, encoding='ascii'))
    index = [i for i, e in enumerate(entries)
             if e['KeyId'] == rec['KeyId'] and e['KeyVersionId'] == rec['KeyVersionId']]
    if len(index) != 1:
        raise SystemExit('key version not in keys.json')
    mode = 'message' if 'Message' in rec else 'digest'
    write(f'{work}/v.data', unb64(rec['Message' if mode == 'message' else 'Digest']))
    sig = unb64(rec['Value'])
    fmt = rec.get('SignatureFormat', 'der')
    if fmt == 'p1363':
        sig = p1363_to_der(sig)
    elif fmt != 'der':
        raise SystemExit('bad SignatureFormat')
    write(f'{work}/v.sig', sig)
    print(index[0], rec['Algorithm'], mode, fmt)

elif cmd == 'tamper':
    # tamper <records.jsonl> <tampered.jsonl> <expected.json>
    src, dst, expected_path = args
    lines = open(src, encoding='ascii').read().splitlines()
    if len(lines) != 56:
        raise SystemExit(f'expected 56 records, found {len(lines)}')
    special = {
        2: 'unknown-version',
        12: 'invalid-json',
        18: 'not-base64',
        38: 'missing-value',
        53: 'algorithm-mismatch',
    }
    out, expected = [], []
    for n, line in enumerate(lines, start=1):
        rec = json.loads(line)
        kind = special.get(n)
        if kind == 'unknown-version':
            rec['KeyVersionId'] = '00000000-0000-4000-8000-00000000a0ff'
            text, verdict = dumps(rec), {'error': 'ERR_KEY_NOT_FOUND'}
        elif kind == 'invalid-json':
            if not line.endswith('}'):
                raise SystemExit('unexpected record shape')
            text, verdict = line[:-1], {'error': 'ERR_RECORD_FORMAT'}
        elif kind == 'not-base64':
            v = rec['Value']
            rec['Value'] = v[:len(v) // 2] + '!' + v[len(v) // 2 + 1:]
            text, verdict = dumps(rec), {'error': 'ERR_RECORD_FORMAT'}
        elif kind == 'missing-value':
            del rec['Value']
            text, verdict = dumps(rec), {'error': 'ERR_RECORD_FORMAT'}
        elif kind == 'algorithm-mismatch':
            if rec['Algorithm'] != 'SM2DSA':
                raise SystemExit('line 53 is not an SM2DSA record')
            rec['Algorithm'] = 'ECDSA_SHA_256'
            text, verdict = dumps(rec), {'error': 'ERR_ALGORITHM_MISMATCH'}
        elif n % 5 == 0:
            sig = bytearray(unb64(rec['Value']))
            sig[-1] ^= 0x01
            rec['Value'] = b64(bytes(sig))
            text, verdict = dumps(rec), {'valid': False}
        elif n % 7 == 0:
            field = 'Message' if 'Message' in rec else 'Digest'
            data = bytearray(unb64(rec[field]))
            if not data:
                raise SystemExit(f'line {n}: empty {field} cannot have a byte changed')
            data[len(data) // 2] ^= 0x01
            rec[field] = b64(bytes(data))
            text, verdict = dumps(rec), {'valid': False}
        else:
            text, verdict = line, {'valid': True}
        out.append(text)
        expected.append({'line': n, **verdict})
    with open(dst, 'w', encoding='ascii', newline='\n') as f:
        f.write('\n'.join(out) + '\n')
    with open(expected_path, 'w', encoding='ascii', newline='\n') as f:
        f.write('[\n' + ',\n'.join('  ' + json.dumps(e) for e in expected) + '\n]\n')

elif cmd == 'check-error':
    # check-error <line> <code> <keys.json>: the line really has the defect its code names
    line, code, keys_json = args
    entries = json.load(open(keys_json, encoding='ascii'))
    if code == 'ERR_RECORD_FORMAT':
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            sys.exit(0)
        if 'Value' not in rec:
            sys.exit(0)
        try:
            base64.b64decode(rec['Value'], validate=True)
        except ValueError:
            sys.exit(0)
        raise SystemExit('no format defect found')
    rec = json.loads(line)
    match = [e for e in entries
             if e['KeyId'] == rec['KeyId'] and e['KeyVersionId'] == rec['KeyVersionId']]
    if code == 'ERR_KEY_NOT_FOUND':
        if match:
            raise SystemExit('key version is in keys.json')
        if not any(e['KeyId'] == rec['KeyId'] for e in entries):
            raise SystemExit('KeyId should still be a known one')
    elif code == 'ERR_ALGORITHM_MISMATCH':
        if len(match) != 1:
            raise SystemExit('key version not in keys.json')
        if not (match[0]['KeyId'] == 'key-sample-ecsm2-0001' and rec['Algorithm'] == 'ECDSA_SHA_256'):
            raise SystemExit('not ECDSA_SHA_256 on the SM2 key')
        unb64(rec['Value']); unb64(rec.get('Message', rec.get('Digest')))
    else:
        raise SystemExit('unknown code ' + code)

else:
    raise SystemExit('unknown command ' + cmd)
PY

tool() { python3 "$WORK/tool.py" "$@"; }

# ---------------------------------------------------------------------------
# keys.json <-> vectors/keys/<SPEC>: entry i is SPECS[i], and its PublicKey is
# the public half of vectors/keys/<SPEC>/private.pem
# ---------------------------------------------------------------------------

echo "== keys"
mapfile -t KEYLINES < <(tool keys "$KEYS_JSON" "$WORK")
[[ ${#KEYLINES[@]} -eq ${#SPECS[@]} ]] || die "$KEYS_JSON has ${#KEYLINES[@]} entries, expected ${#SPECS[@]}"
KEY_IDS=()
VERSION_IDS=()
for i in "${!SPECS[@]}"; do
    spec=${SPECS[$i]}
    read -r index key_id version_id <<< "${KEYLINES[$i]}"
    [[ $index == "$i" ]] || die "keys.json index mismatch"
    "$OPENSSL" pkey -in "$KEYS/$spec/private.pem" -pubout -out "$WORK/priv-pub-$i.pem"
    cmp -s "$WORK/priv-pub-$i.pem" "$WORK/kj-$i.pem" \
        || die "keys.json entry $i ($key_id) is not the public key of $KEYS/$spec/private.pem"
    cmp -s "$KEYS/$spec/public.pem" "$WORK/kj-$i.pem" \
        || die "keys.json entry $i ($key_id) differs from $KEYS/$spec/public.pem"
    KEY_IDS[i]=$key_id
    VERSION_IDS[i]=$version_id
    echo "   $i $spec $key_id $version_id"
done

# ---------------------------------------------------------------------------
# OpenSSL verdicts (same commands as vectors/signatures/generate.sh)
# ---------------------------------------------------------------------------

# verdict <command...>: prints true when OpenSSL reports a verified signature,
# false when it reports a verification failure (or an unparsable signature);
# any other outcome stops the script.
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

# openssl_verify <algorithm> <message|digest> <public.pem> <data> <DER/RSA signature>
openssl_verify() {
    local alg=$1 mode=$2 pub=$3 data=$4 sig=$5
    case $mode/$alg in
        message/RSA_PKCS1_SHA_256 | message/ECDSA_SHA_256)
            verdict "$OPENSSL" dgst -sha256 -verify "$pub" -signature "$sig" "$data" ;;
        message/RSA_PSS_SHA_256)
            verdict "$OPENSSL" dgst -sha256 "${PSS_SIGOPTS[@]}" -verify "$pub" -signature "$sig" "$data" ;;
        message/SM2DSA)
            verdict "$OPENSSL" pkeyutl -verify -rawin -digest sm3 -pkeyopt "distid:$SM2_ID" \
                -pubin -inkey "$pub" -in "$data" -sigfile "$sig" ;;
        digest/RSA_PKCS1_SHA_256)
            verdict "$OPENSSL" pkeyutl -verify "${PKCS1_PKEYOPTS[@]}" -pubin -inkey "$pub" -in "$data" -sigfile "$sig" ;;
        digest/RSA_PSS_SHA_256)
            verdict "$OPENSSL" pkeyutl -verify "${PSS_PKEYOPTS[@]}" -pubin -inkey "$pub" -in "$data" -sigfile "$sig" ;;
        digest/ECDSA_SHA_256)
            verdict "$OPENSSL" pkeyutl -verify -pkeyopt digest:sha256 -pubin -inkey "$pub" -in "$data" -sigfile "$sig" ;;
        digest/SM2DSA)
            # no -rawin: the input is e itself
            verdict "$OPENSSL" pkeyutl -verify -pubin -inkey "$pub" -in "$data" -sigfile "$sig" ;;
        *) die "unknown algorithm/mode $alg/$mode" ;;
    esac
}

# sign <algorithm> <message|digest> <private.pem> <data> <out>
sign() {
    local alg=$1 mode=$2 priv=$3 data=$4 out=$5
    case $mode/$alg in
        message/RSA_PKCS1_SHA_256 | message/ECDSA_SHA_256)
            "$OPENSSL" dgst -sha256 -sign "$priv" -out "$out" "$data" ;;
        message/RSA_PSS_SHA_256)
            "$OPENSSL" dgst -sha256 "${PSS_SIGOPTS[@]}" -sign "$priv" -out "$out" "$data" ;;
        message/SM2DSA)
            "$OPENSSL" pkeyutl -sign -rawin -digest sm3 -pkeyopt "distid:$SM2_ID" \
                -inkey "$priv" -in "$data" -out "$out" ;;
        digest/RSA_PKCS1_SHA_256)
            "$OPENSSL" pkeyutl -sign "${PKCS1_PKEYOPTS[@]}" -inkey "$priv" -in "$data" -out "$out" ;;
        digest/RSA_PSS_SHA_256)
            "$OPENSSL" pkeyutl -sign "${PSS_PKEYOPTS[@]}" -inkey "$priv" -in "$data" -out "$out" ;;
        digest/ECDSA_SHA_256)
            "$OPENSSL" pkeyutl -sign -pkeyopt digest:sha256 -inkey "$priv" -in "$data" -out "$out" ;;
        digest/SM2DSA)
            # no -rawin: OpenSSL signs the 32 input bytes as e
            "$OPENSSL" pkeyutl -sign -inkey "$priv" -in "$data" -out "$out" ;;
        *) die "unknown algorithm/mode $alg/$mode" ;;
    esac
}

# sm2_e <spec> <message> <out>: e = SM3(Z || M) with the default user ID,
# Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA) (GB/T 32918.2 §5.5),
# exactly as vectors/signatures/generate.sh computes it.
sm2_e() {
    local spec=$1 msg=$2 out=$3 point idhex entl
    point=$(tail -c 65 "$KEYS/$spec/public.der" | xxd -p -c 256)
    if [[ ${#point} -ne 130 || ${point:0:2} != 04 ]]; then
        die "unexpected SM2 point in $KEYS/$spec/public.der: $point"
    fi
    idhex=$(printf '%s' "$SM2_ID" | xxd -p -c 256)
    entl=$(printf '%04x' $((${#SM2_ID} * 8)))
    printf '%s%s%s%s%s%s%s' "$entl" "$idhex" "$SM2_A" "$SM2_B" "$SM2_GX" "$SM2_GY" "${point:2}" \
        | xxd -r -p > "$WORK/z-input.bin"
    "$OPENSSL" dgst -sm3 -binary -out "$WORK/z.bin" "$WORK/z-input.bin"
    cat "$WORK/z.bin" "$msg" | "$OPENSSL" dgst -sm3 -binary -out "$out"
}

require() { # <verdict> <wanted> <what>
    [[ $1 == "$2" ]] || die "OpenSSL says $1 for $3 (wanted $2)"
}

# ---------------------------------------------------------------------------
# messages: fixed text lines and fixed random-message lengths
# ---------------------------------------------------------------------------

EVENTS=(login logout key.rotate policy.update secret.read export login.failed
    key.disable role.assume config.change session.refresh token.issue alias.create backup.start)
# lengths of the 4 random messages in each block (pos 2, 4, 6, 8); 1 and 2000 included
RAND_LENGTHS=(1 2000 37 1024 255 1999 64 513 2 1500 100 777 33 1000
    1337 16 999 3 1800 256 47 1234 500 8 1023 65 2000 1)

REC=0        # record counter (line number)
TEXT_NO=0    # audit text counter
RAND_NO=0    # random message counter

text_message() { # <out>: an audit log line, deterministic
    local i=$TEXT_NO
    TEXT_NO=$((TEXT_NO + 1))
    printf '{"event":"%s","user":"u%d","ts":%d}' \
        "${EVENTS[$((i % ${#EVENTS[@]}))]}" $((40 + i * 7 % 97)) $((1700000000 + i * 3607)) > "$1"
}

random_message() { # <out>
    local n=${RAND_LENGTHS[$RAND_NO]}
    RAND_NO=$((RAND_NO + 1))
    "$OPENSSL" rand -out "$1" "$n"
    [[ $(stat -c %s "$1") -eq $n ]] || die "openssl rand gave the wrong length"
}

# ---------------------------------------------------------------------------
# records
# ---------------------------------------------------------------------------

: > "$WORK/records.jsonl"

# make_record <key index> <algorithm> <message|digest> <text|random|empty> <der|p1363|rsa>
make_record() {
    local ki=$1 alg=$2 mode=$3 kind=$4 fmt=$5
    local spec=${SPECS[$ki]} priv=$KEYS/${SPECS[$ki]}/private.pem pub=$WORK/kj-$ki.pem
    local msg=$WORK/msg data sig=$WORK/sig out=$WORK/sig.out id v
    REC=$((REC + 1))
    id=$(printf 'rec-%04d' "$REC")
    case $kind in
        text) text_message "$msg" ;;
        random) random_message "$msg" ;;
        empty) : > "$msg" ;;
    esac
    if [[ $mode == message ]]; then
        data=$msg
    else
        data=$WORK/digest
        if [[ $alg == SM2DSA ]]; then
            sm2_e "$spec" "$msg" "$data"
        else
            "$OPENSSL" dgst -sha256 -binary -out "$data" "$msg"
        fi
        [[ $(stat -c %s "$data") -eq 32 ]] || die "$id: digest is not 32 bytes"
    fi

    sign "$alg" "$mode" "$priv" "$data" "$sig"
    v=$(openssl_verify "$alg" "$mode" "$pub" "$data" "$sig")
    require "$v" true "$id ($spec $alg $mode)"
    if [[ $mode == digest ]]; then
        # the digest really is the one for the message: check the signature over the message too
        v=$(openssl_verify "$alg" message "$pub" "$msg" "$sig")
        require "$v" true "$id ($spec $alg, digest-mode signature checked over its message)"
    fi

    case $fmt in
        p1363)
            tool der2p1363 "$sig" "$out"
            tool p13632der "$out" "$WORK/sig.back"
            cmp -s "$WORK/sig.back" "$sig" || die "$id: DER -> r||s -> DER does not round-trip"
            ;;
        der)
            tool derok "$sig"
            cp "$sig" "$out"
            ;;
        rsa) cp "$sig" "$out" ;;
    esac
    tool record "$id" "${KEY_IDS[$ki]}" "${VERSION_IDS[$ki]}" "$alg" \
        "$([[ $mode == message ]] && echo Message || echo Digest)" "$data" "$out" "$fmt" \
        >> "$WORK/records.jsonl"
}

# block <key index> <algorithm>: 8 records (see the layout at the top)
block() {
    local ki=$1 alg=$2 fmt=rsa p1363=rsa
    [[ $alg == ECDSA_SHA_256 || $alg == SM2DSA ]] && { fmt=der; p1363=p1363; }
    echo "== ${SPECS[$ki]} $alg"
    make_record "$ki" "$alg" message text "$fmt"
    make_record "$ki" "$alg" message random "$fmt"
    make_record "$ki" "$alg" message empty "$fmt"
    make_record "$ki" "$alg" message random "$p1363"
    make_record "$ki" "$alg" digest text "$fmt"
    make_record "$ki" "$alg" digest random "$fmt"
    make_record "$ki" "$alg" digest text "$fmt"
    make_record "$ki" "$alg" digest random "$p1363"
}

block 0 RSA_PSS_SHA_256
block 0 RSA_PKCS1_SHA_256
block 1 RSA_PSS_SHA_256
block 1 RSA_PKCS1_SHA_256
block 2 ECDSA_SHA_256
block 3 ECDSA_SHA_256
block 4 SM2DSA

[[ $RAND_NO -le ${#RAND_LENGTHS[@]} ]] || die "not enough random-message lengths"

# ---------------------------------------------------------------------------
# tampered.jsonl and tampered-expected.json
# ---------------------------------------------------------------------------

tool tamper "$WORK/records.jsonl" "$WORK/tampered.jsonl" "$WORK/expected.json"

# ---------------------------------------------------------------------------
# checks: judge every written line again from the JSON alone, with keys.json
# ---------------------------------------------------------------------------

echo "== checks"
# judge <line>: prints OpenSSL's verdict on a well-formed record line
judge() {
    local info ki alg mode fmt
    info=$(tool unpack "$1" "$KEYS_JSON" "$WORK") || die "cannot unpack: $1"
    read -r ki alg mode fmt <<< "$info"
    [[ $fmt == p1363 ]] || [[ ${SPECS[$ki]} == RSA_* ]] || tool derok "$WORK/v.sig"
    openssl_verify "$alg" "$mode" "$WORK/kj-$ki.pem" "$WORK/v.data" "$WORK/v.sig"
}

n=0
while IFS= read -r line; do
    n=$((n + 1))
    require "$(judge "$line")" true "records.jsonl line $n"
done < "$WORK/records.jsonl"
[[ $n -eq 56 ]] || die "records.jsonl has $n lines"

mapfile -t EXPECT < <(python3 -c '
import json, sys
for e in json.load(open(sys.argv[1])):
    print(e["line"], e.get("error", str(e.get("valid")).lower()))
' "$WORK/expected.json")
n=0
while IFS= read -r line; do
    read -r eline want <<< "${EXPECT[$n]}"
    n=$((n + 1))
    [[ $eline == "$n" ]] || die "tampered-expected.json is out of order at $n"
    case $want in
        true | false) require "$(judge "$line")" "$want" "tampered.jsonl line $n" ;;
        ERR_*) tool check-error "$line" "$want" "$KEYS_JSON" || die "tampered.jsonl line $n is not $want" ;;
        *) die "bad expectation $want" ;;
    esac
done < "$WORK/tampered.jsonl"
[[ $n -eq 56 && ${#EXPECT[@]} -eq 56 ]] || die "tampered.jsonl has $n lines, expected ${#EXPECT[@]}"

# line 53 (ECDSA_SHA_256 on the SM2 key) is otherwise untouched: its signature is a
# genuine SM2DSA one, so only the Algorithm field is wrong
line53=$(sed -n 53p "$WORK/tampered.jsonl")
tool unpack "$line53" "$KEYS_JSON" "$WORK" > /dev/null
require "$(openssl_verify SM2DSA "$(grep -q '"Message"' <<< "$line53" && echo message || echo digest)" \
    "$WORK/kj-4.pem" "$WORK/v.data" "$WORK/v.sig")" true "line 53 as SM2DSA"

cp "$WORK/records.jsonl" "$RECORDS"
cp "$WORK/tampered.jsonl" "$TAMPERED"
cp "$WORK/expected.json" "$EXPECTED"
echo "wrote $RECORDS ($(wc -l < "$RECORDS") records), $TAMPERED, $EXPECTED"
