#!/usr/bin/env python3
"""Checks a UserSig with Tencent's own TLSSigAPIv2 code (PyPI tls-sig-api-v2): its base64 decoder and its HMAC routine.

usage: verify_usersig.py --sdk-app-id N --key KEY --user ID [--now UNIX] SIG
Exit 0: valid for that app and user and not expired at --now (default: the current time). Exit 1: invalid (reason on
stderr). Exit 2: usage. With --now, also regenerates the sig with Tencent's gen_sig at the sig's own TLS.time and
reports on stdout whether the bytes are identical.
"""
import argparse
import hmac
import json
import sys
import time
import zlib
from unittest import mock

import TLSSigAPIv2


def fail(reason):
    print(f"invalid: {reason}", file=sys.stderr)
    sys.exit(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sdk-app-id", type=int, required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--now", type=int)
    parser.add_argument("sig")
    args = parser.parse_args()
    now = args.now if args.now is not None else int(time.time())

    try:
        compressed = TLSSigAPIv2.base64_decode_url(args.sig.encode())
    except Exception as error:
        fail(f"base64: {error}")
    try:
        document = json.loads(zlib.decompress(compressed))
    except Exception as error:
        fail(f"zlib/json: {error}")
    if not isinstance(document, dict):
        fail("document is not a JSON object")

    for field, kind in (("TLS.ver", str), ("TLS.identifier", str), ("TLS.sdkappid", int), ("TLS.time", int),
                        ("TLS.expire", int), ("TLS.sig", str)):
        if not isinstance(document.get(field), kind) or isinstance(document.get(field), bool):
            fail(f"{field} is missing or not a {kind.__name__}")
    if document["TLS.ver"] != "2.0":
        fail(f"TLS.ver is {document['TLS.ver']!r}")
    if document["TLS.sdkappid"] != args.sdk_app_id:
        fail(f"sdkappid {document['TLS.sdkappid']} != {args.sdk_app_id}")
    if document["TLS.identifier"] != args.user:
        fail(f"identifier {document['TLS.identifier']!r} != {args.user!r}")

    api = TLSSigAPIv2.TLSSigAPIv2(args.sdk_app_id, args.key)
    # Tencent's own (name-mangled, private) HMAC routine: the exact signed content and encoding of gen_sig.
    expected = api._TLSSigAPIv2__hmacsha256(args.user, document["TLS.time"], document["TLS.expire"],
                                            document.get("TLS.userbuf")).decode()
    if not hmac.compare_digest(expected, document["TLS.sig"]):
        fail("signature mismatch")
    if now - document["TLS.time"] > document["TLS.expire"]:
        fail(f"expired at {document['TLS.time'] + document['TLS.expire']}, now {now}")

    if "TLS.userbuf" not in document:
        with mock.patch.object(time, "time", return_value=document["TLS.time"]):
            regenerated = api.gen_sig(args.user, document["TLS.expire"])
        print("identical" if regenerated == args.sig else "valid, bytes differ from gen_sig")
    else:
        print("valid")


if __name__ == "__main__":
    main()
