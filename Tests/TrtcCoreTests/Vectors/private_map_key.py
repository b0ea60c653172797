#!/usr/bin/env python3
"""privateMapKeys with Tencent's own TLSSigAPIv2 code (PyPI tls-sig-api-v2): its gen_sig_with_userbuf signs and
encodes, its base64 decoder and HMAC routine check. The userbuf is packed and unpacked with the layout of Tencent's
genUserBuf (tls-sig-api-v2-java/-python/-php): big-endian version (0 numeric room, 1 string room), 2-byte length +
userId, sdkAppId, roomId (0 for a string room), absolute expiry (issue time + validity), privilege map, account type,
then for a string room 2-byte length + strRoomId.

  private_map_key.py make SDKAPPID KEY USERID (--room N | --str-room S) --privileges N [--expire S] [--time T]
      -> the key (with --time: as made at that unix time, so the bytes can be compared)
  private_map_key.py verify SDKAPPID KEY USERID KEY_TEXT
      -> exit 0 and the decoded document and userbuf as JSON if the signature is Tencent's for that app, user and key;
         exit 1 with the reason on stderr otherwise
"""
import argparse
import base64
import hmac
import json
import struct
import sys
import time
import zlib
from unittest import mock

import TLSSigAPIv2


def pack_userbuf(user_id, sdk_app_id, room_id, str_room_id, expires_at, privileges, account_type=0):
    account = user_id.encode()
    buf = struct.pack(">BH", 1 if str_room_id else 0, len(account)) + account
    buf += struct.pack(">IIIII", sdk_app_id, room_id, expires_at, privileges, account_type)
    if str_room_id:
        room = str_room_id.encode()
        buf += struct.pack(">H", len(room)) + room
    return buf


def unpack_userbuf(buf):
    version, length = struct.unpack_from(">BH", buf, 0)
    offset = 3
    user_id = buf[offset:offset + length].decode()
    offset += length
    sdk_app_id, room_id, expires_at, privileges, account_type = struct.unpack_from(">IIIII", buf, offset)
    offset += 20
    str_room_id = None
    if version == 1:
        (room_length,) = struct.unpack_from(">H", buf, offset)
        offset += 2
        str_room_id = buf[offset:offset + room_length].decode()
        offset += room_length
    if offset != len(buf):
        raise ValueError(f"{len(buf) - offset} stray bytes")
    return {"version": version, "userId": user_id, "sdkAppId": sdk_app_id, "roomId": room_id, "strRoomId": str_room_id,
            "expiresAt": expires_at, "privileges": privileges, "accountType": account_type}


def make(args):
    issued = args.time if args.time is not None else int(time.time())
    userbuf = pack_userbuf(args.user, args.sdk_app_id, args.room or 0, args.str_room, issued + args.expire,
                           args.privileges)
    api = TLSSigAPIv2.TLSSigAPIv2(args.sdk_app_id, args.key)
    with mock.patch.object(time, "time", return_value=issued):
        print(api.gen_sig_with_userbuf(args.user, args.expire, userbuf))
    return 0


def verify(args):
    try:
        document = json.loads(zlib.decompress(TLSSigAPIv2.base64_decode_url(args.sig.encode())))
    except Exception as error:
        print(f"invalid: not a TLS document: {error}", file=sys.stderr)
        return 1
    if document.get("TLS.sdkappid") != args.sdk_app_id or document.get("TLS.identifier") != args.user:
        print("invalid: another app or user", file=sys.stderr)
        return 1
    if "TLS.userbuf" not in document:
        print("invalid: no TLS.userbuf", file=sys.stderr)
        return 1
    api = TLSSigAPIv2.TLSSigAPIv2(args.sdk_app_id, args.key)
    # Tencent's own (name-mangled, private) HMAC routine: the exact signed content of gen_sig_with_userbuf.
    expected = api._TLSSigAPIv2__hmacsha256(args.user, document["TLS.time"], document["TLS.expire"],
                                            document["TLS.userbuf"]).decode()
    if not hmac.compare_digest(expected, document["TLS.sig"]):
        print("invalid: signature mismatch", file=sys.stderr)
        return 1
    result = unpack_userbuf(base64.b64decode(document["TLS.userbuf"]))
    result.update({"time": document["TLS.time"], "expire": document["TLS.expire"]})
    print(json.dumps(result, sort_keys=True))
    return 0


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    m = commands.add_parser("make")
    m.add_argument("sdk_app_id", type=int)
    m.add_argument("key")
    m.add_argument("user")
    m.add_argument("--room", type=int)
    m.add_argument("--str-room")
    m.add_argument("--privileges", type=int, required=True)
    m.add_argument("--expire", type=int, default=86400)
    m.add_argument("--time", type=int)
    v = commands.add_parser("verify")
    v.add_argument("sdk_app_id", type=int)
    v.add_argument("key")
    v.add_argument("user")
    v.add_argument("sig")
    args = parser.parse_args()
    return make(args) if args.command == "make" else verify(args)


if __name__ == "__main__":
    sys.exit(main())
