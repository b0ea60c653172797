#!/usr/bin/env python3
"""Writes usersig_vectors.json: UserSigs made by Tencent's own TLSSigAPIv2 (PyPI tls-sig-api-v2) at fixed times.

Run from anywhere: python3 make_vectors.py. The Swift tests verify every vector with UserSig.verify and check that
UserSig.generate with the same inputs gives byte-identical strings (vectors with a userbuf are for verification only:
our generate does not write userbufs).
"""
import base64
import json
import os
import time
from unittest import mock

import TLSSigAPIv2

CASES = [
    # sdkAppId, secret key, userId, time, expire, userbuf
    (1400000000, "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e", "xiaojun", 1700000000, 86400 * 180, None),
    (1400000001, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "alice", 1763700000, 86400, None),
    (1400000001, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "bob_2-x", 1763700000, 604800, None),
    (1, "k", "a", 0, 1, None),
    (4294967295, "a secret key with spaces and symbols !@#$%^&*()", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", 2000000000, 315360000, None),
    (1400123456, "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210", "user-with-dash_and_underscore", 1600000000, 3600, None),
    (1400123456, "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210", "0", 1600000001, 60, None),
    (1400000002, "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e", "withbuf", 1700000000, 86400, b"abc"),
    (1400000002, "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e", "withbuf2", 1700000000, 86400, bytes(range(40))),
]


def main():
    vectors = []
    for sdk_app_id, key, user_id, issued, expire, userbuf in CASES:
        api = TLSSigAPIv2.TLSSigAPIv2(sdk_app_id, key)
        with mock.patch.object(time, "time", return_value=issued + 0.75):
            if userbuf is None:
                sig = api.gen_sig(user_id, expire)
            else:
                sig = api.gen_sig_with_userbuf(user_id, expire, userbuf)
        vectors.append({
            "sdkAppId": sdk_app_id,
            "key": key,
            "userId": user_id,
            "time": issued,
            "expire": expire,
            "userBuf": None if userbuf is None else base64.b64encode(userbuf).decode(),
            "sig": sig,
        })
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "usersig_vectors.json")
    with open(path, "w") as out:
        json.dump({"generator": "PyPI tls-sig-api-v2 (TLSSigAPIv2.py), time.time patched", "vectors": vectors}, out, indent=2)
        out.write("\n")
    print(f"wrote {len(vectors)} vectors to {path}")


if __name__ == "__main__":
    main()
