#!/usr/bin/env bash
# Write vectors/sample/keys.json: one object per KMS key spec, shaped like the
# body of an Alibaba Cloud KMS GetPublicKey response, whose PublicKey is the
# PEM text of vectors/keys/<SPEC>/public.pem.
#
# Run from the repository root:
#
#     bash vectors/sample/generate.sh
#
# (vectors/keys/generate.sh calls this at the end.) All identifiers below are
# fixed and fake, so rerunning only changes PublicKey, and only when the keys
# under vectors/keys/ have been regenerated.

set -euo pipefail

if [[ ! -f package.json || ! -d vectors/keys ]]; then
    echo "sample/generate.sh: run this from the repository root" >&2
    exit 1
fi

python3 - <<'PY'
import json
import pathlib

# spec, KeyId, KeyVersionId, RequestId -- all made up for tests.
SAMPLES = [
    ("RSA_2048", "key-sample-rsa2048-0001",
     "00000000-0000-4000-8000-00000000a001",
     "00000000-0000-4000-9000-00000000b001"),
    ("RSA_3072", "key-sample-rsa3072-0001",
     "00000000-0000-4000-8000-00000000a002",
     "00000000-0000-4000-9000-00000000b002"),
    ("EC_P256", "key-sample-ecp256-0001",
     "00000000-0000-4000-8000-00000000a003",
     "00000000-0000-4000-9000-00000000b003"),
    ("EC_P256K", "key-sample-ecp256k-0001",
     "00000000-0000-4000-8000-00000000a004",
     "00000000-0000-4000-9000-00000000b004"),
    ("EC_SM2", "key-sample-ecsm2-0001",
     "00000000-0000-4000-8000-00000000a005",
     "00000000-0000-4000-9000-00000000b005"),
]

out = []
for spec, key_id, version_id, request_id in SAMPLES:
    pem = pathlib.Path("vectors/keys", spec, "public.pem").read_bytes().decode("ascii")
    pem = pem.replace("\r\n", "\n")
    out.append({
        "KeyId": key_id,
        "KeyVersionId": version_id,
        "PublicKey": pem,
        "RequestId": request_id,
    })

path = pathlib.Path("vectors/sample/keys.json")
path.write_text(json.dumps(out, indent=2) + "\n", encoding="ascii", newline="\n")
print(f"wrote {path} ({len(out)} entries)")
PY
