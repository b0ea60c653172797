#!/usr/bin/env python3
"""Writes the seed corpora of Fuzz/Corpus/<target>/ (checked in; rerun after changing a harness's input format).

Seeds are real inputs: the signaling messages of docs/protocol.md, a Tencent TLSSigAPIv2 UserSig, a TC3-signed
server API request, RTP and RTCP as trtcd sends them, RFC 5769's STUN vectors and an ICE check signed with the
fuzz harness's credentials, D-Bus EnterRoom calls marshalled by dbus-fast (an independent implementation)."""
import base64, hashlib, hmac, json, os, struct, zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "Corpus")


def write(target, name, data):
    os.makedirs(os.path.join(ROOT, target), exist_ok=True)
    with open(os.path.join(ROOT, target, name), "wb") as f:
        f.write(data if isinstance(data, (bytes, bytearray)) else data.encode())


# Signaling (docs/protocol.md) and JSON.
messages = {
    "hello": '{"type":"hello","protocol":1,"server":"trtc-server/0.1.0"}',
    "enter": '{"type":"enter","seq":1,"sdkAppId":1400000001,"userId":"alice","userSig":"eJw","roomId":8888,"scene":"rtc",'
             '"role":"anchor","video":false,"audio":false,"media":{"ufrag":"Hx2a+9Qe","fingerprint":"sha-256 4F:00"}}',
    "enter-str": '{"type":"enter","seq":7,"sdkAppId":1400000001,"userId":"bob","userSig":"x","strRoomId":"room-1","scene":"live","role":"audience"}',
    "entered": '{"type":"entered","seq":1,"userId":"alice","roomId":8888,"members":[{"userId":"bob","role":"anchor","video":true,'
               '"audio":true,"videoSsrc":5678,"audioSsrc":1234}],"media":{"host":"","port":7801,"ufrag":"k3Jd0a/Z",'
               '"password":"abcdefghijklmnopqrstuvwx","fingerprint":"sha-256 A1:B2","audioSsrc":1234,"videoSsrc":5678},'
               '"heartbeatMs":1250,"departureTimeoutMs":5000}',
    "publish": '{"type":"publish","seq":2,"audio":true}',
    "ack": '{"type":"ack","seq":2}',
    "leave": '{"type":"leave","seq":3}',
    "heartbeat": '{"type":"heartbeat"}',
    "pong": '{"type":"pong"}',
    "switchRole": '{"type":"switchRole","seq":4,"role":"audience"}',
    "userEnter": '{"type":"userEnter","userId":"bob","role":"anchor"}',
    "userLeave": '{"type":"userLeave","userId":"bob","reason":0}',
    "userVideo": '{"type":"userVideo","userId":"bob","available":true,"ssrc":5678}',
    "userAudio": '{"type":"userAudio","userId":"bob","available":false}',
    "error": '{"type":"error","seq":1,"code":-100018,"kind":"auth-failed","message":"userSig expired"}',
    "exit": '{"type":"exit","reason":1,"message":"removed from the room by the server API"}',
    "shutdown": '{"type":"shutdown","message":"the server is going away"}',
}
for name, text in messages.items():
    write("signaling", name, text)
    write("json", name, text)
write("json", "api-remove", '{"SdkAppId":1400000001,"RoomId":8888,"UserIds":["alice","bob"]}')
write("json", "values", '[null,true,false,0,-0,1.5e-3,-12345678901234567890,9223372036854775807,"\\u00e9\\ud83d\\ude00\\n\\"\\\\/",{},[],{"a":[{"b":{}}]}]')
write("json", "nested", "[" * 40 + "]" * 40)

# UserSig: Tencent's TLSSigAPIv2 (pip TLSSigAPIv2), and the JSON document alone for the harness's second reading.
import TLSSigAPIv2
api = TLSSigAPIv2.TLSSigAPIv2(1400000001, "secret")
usersig = api.gen_sig("alice", 86400)
write("usersig", "tencent-usersig", usersig)
padded = usersig.replace("*", "+").replace("-", "/").replace("_", "=")
write("usersig", "document", zlib.decompress(base64.b64decode(padded)))
write("usersig", "userbuf-document", json.dumps({"TLS.ver": "2.0", "TLS.identifier": "alice", "TLS.sdkappid": 1400000001,
                                                 "TLS.expire": 86400, "TLS.time": 1700000000, "TLS.sig": "AAAA",
                                                 "TLS.userbuf": "dXNlcmJ1Zg=="}, separators=(",", ":")))

# privateMapKey: userbufs in the layout of docs/security.md H3 (version, userId, sdkAppId, roomId, expiry, privileges,
# account type, strRoomId), alone and signed by Tencent's gen_sig_with_userbuf into keys.
numeric = struct.pack(">BH5sIIIII", 0, 5, b"alice", 1400000001, 1, 1700086400, 255, 0)
string = struct.pack(">BH5sIIIIIH4s", 1, 5, b"alice", 1400000001, 0, 1700086400, 255, 0, 4, b"room")
write("privatemapkey", "userbuf-numeric", numeric)
write("privatemapkey", "userbuf-string", string)
write("privatemapkey", "tencent-numeric", api.gen_sig_with_userbuf("alice", 86400, numeric))
write("privatemapkey", "tencent-string", api.gen_sig_with_userbuf("alice", 86400, string))

# TC3: a server API request signed as Tencent's SDKs sign it (timestamp = the harness's clock).
def tc3(body, action, timestamp=1700000000, secret_id="AKIDfuzz", key="fuzz-secret"):
    date = "2023-11-14"
    headers = {"content-type": "application/json; charset=utf-8", "host": "trtc.tencentcloudapi.com",
               "x-tc-action": action.lower()}
    signed = "content-type;host;x-tc-action"
    canonical = "POST\n/\n\n" + "".join(f"{k}:{headers[k]}\n" for k in ["content-type", "host", "x-tc-action"]) + \
        "\n" + signed + "\n" + hashlib.sha256(body.encode()).hexdigest()
    scope = f"{date}/trtc/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n" + hashlib.sha256(canonical.encode()).hexdigest()
    k = hmac.new(("TC3" + key).encode(), date.encode(), hashlib.sha256).digest()
    k = hmac.new(k, b"trtc", hashlib.sha256).digest()
    k = hmac.new(k, b"tc3_request", hashlib.sha256).digest()
    signature = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    authorization = f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders={signed}, Signature={signature}"
    lines = [authorization, "Content-Type: " + headers["content-type"], "Host: " + headers["host"],
             "X-TC-Action: " + action, "X-TC-Version: 2019-07-22", f"X-TC-Timestamp: {timestamp}", "", body]
    return "\n".join(lines)
write("tc3", "remove-user", tc3('{"SdkAppId":1400000001,"RoomId":8888,"UserIds":["alice"]}', "RemoveUser"))
write("tc3", "dismiss", tc3('{"SdkAppId":1400000001,"RoomId":"room-1"}', "DismissRoomByStrRoomId", timestamp=1700000100))

# RTP and RTCP as trtcd sends them.
def rtp(pt, seq, ts, ssrc, payload, marker=False, csrcs=(), ext=None, padding=0):
    first = 0x80 | (0x20 if padding else 0) | (0x10 if ext else 0) | len(csrcs)
    out = struct.pack("!BBHII", first, (0x80 if marker else 0) | pt, seq, ts, ssrc)
    out += b"".join(struct.pack("!I", c) for c in csrcs)
    if ext:
        profile, data = ext
        out += struct.pack("!HH", profile, len(data) // 4) + data
    out += payload
    if padding:
        out += b"\0" * (padding - 1) + bytes([padding])
    return out
vp8_key = bytes([0x90, 0x80, 0x12, 0x34]) + bytes([0x50, 0x2a, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]) + bytes(range(40))
write("rtp", "vp8-keyframe", rtp(96, 1000, 90000, 0x11223344, vp8_key, marker=True))
write("rtp", "opus", rtp(111, 7, 960, 0x55667788, bytes([0x78]) + bytes(60)))
write("rtp", "csrc-ext-padding", rtp(96, 65535, 0xFFFFFFFF, 1, b"\x10\x00abc", csrcs=(1, 2, 3),
                                     ext=(0xBEDE, bytes([0x10, 0xff, 0, 0])), padding=4))
sr = struct.pack("!BBHIIIIII", 0x81, 200, 12, 0x11223344, 0xE8D4A510, 0, 90000, 10, 1200) + \
    struct.pack("!IIIIII", 0x55667788, 0x01000002, 1000, 20, 0, 0)
sdes = struct.pack("!BBHI", 0x81, 202, 3, 0x11223344) + bytes([1, 4]) + b"fuzz" + bytes(2)
rr = struct.pack("!BBHI", 0x81, 201, 7, 0x99) + struct.pack("!IIIIII", 0x11223344, 0x00000003, 1005, 12, 0, 0)
nack = struct.pack("!BBHIIHH", 0x81, 205, 3, 0x99, 0x11223344, 1000, 0x0005)
pli = struct.pack("!BBHII", 0x81, 206, 2, 0x99, 0x11223344)
bye = struct.pack("!BBHI", 0x81, 203, 1, 0x11223344)
# REMB (PSFB FMT 15, "REMB"): 1,000,000 bit/s as exponent 2, mantissa 250,000, one SSRC.
remb = bytes([0x8F, 206, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0]) + b"REMB" + bytes([1, 0x0B, 0xD0, 0x90, 0x12, 0x34, 0x56, 0x78])
for name, data in {"sr-sdes": sr + sdes, "rr-nack": rr + nack, "pli": rr + pli, "bye": rr + bye, "remb": remb}.items():
    write("rtcp", name, data)
    write("rtp", name, data)

# VP8 and Opus streams in the harnesses' record format: [sequence step][timestamp step][flags][length][payload]
# (Opus: no timestamp step). Step 9 is +1 packet, timestamp step 17 is +3000.
def vp8_records(frames):
    out = b""
    for index, packets in enumerate(frames):
        for number, payload in enumerate(packets):
            last = number == len(packets) - 1
            out += bytes([9, 17 if number == 0 and index > 0 else 16, 1 if last else 0, len(payload)]) + payload
    return out
key = [bytes([0x90, 0x80, 0x00, 0x01]) + bytes([0x50, 0x2a, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00]) + bytes(30),
       bytes([0x80, 0x80, 0x00, 0x01]) + bytes(range(50))]
delta = [bytes([0x90, 0x80, 0x00, 0x02, 0x31, 0x01, 0x00]) + bytes(20)]
write("vp8", "key-delta", vp8_records([key, delta, delta]))
write("vp8", "reordered", vp8_records([key]) + bytes([7, 17, 1, 8]) + delta[0][:8] + bytes([10, 16, 1, 8]) + delta[0][:8])
write("opus", "stream", b"".join(bytes([9, 0, 60]) + bytes([0x78]) + bytes(59) for _ in range(5)))
write("opus", "loss-talkspurt", bytes([9, 1, 3, 0x78, 1, 2]) + bytes([12, 0, 3, 0x78, 1, 2]) + bytes([5, 0, 3, 0x78, 1, 2])
      + bytes([9, 6, 2, 0x78, 0]))

# STUN: RFC 5769's vectors, and Binding requests to and from the harness's ICE agents.
h = bytes.fromhex
rfc5769 = {
    "rfc5769-request": "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74"
                       "002400046e0001ff80290008932ff9b151263b36000600096576746a3a68367659202020"
                       "000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf",
    "rfc5769-ipv4-response": "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220"
                             "002000080001a147e112a643000800142b91f599fd9e90c38c7489f92af9ba53f06be7d7"
                             "80280004c07d4c96",
    "rfc5769-ipv6-response": "010100482112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220"
                             "002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d9"
                             "00080014a382954e4be67bf11784c97c8292c275bfe3ed4180280004c8fb0b4c",
}
for name, text in rfc5769.items():
    write("stun", name, h(text))

def stun(message_type, transaction, attributes, password=None):
    def attribute(kind, value):
        return struct.pack("!HH", kind, len(value)) + value + bytes((4 - len(value) % 4) % 4)
    body = b"".join(attribute(k, v) for k, v in attributes)
    if password is not None:
        header = struct.pack("!HHI", message_type, len(body) + 24, 0x2112A442) + transaction
        mac = hmac.new(password.encode(), header + body, hashlib.sha1).digest()
        body += attribute(0x0008, mac)
    header = struct.pack("!HHI", message_type, len(body) + 8, 0x2112A442) + transaction
    crc = (zlib.crc32(header + body) ^ 0x5354554E) & 0xFFFFFFFF
    return header + body + attribute(0x8028, struct.pack("!I", crc))
check = [(0x0006, b"srvF:cliF"), (0x0024, struct.pack("!I", 0x6E0001FF)), (0x802A, bytes(8)), (0x0025, b"")]
write("stun", "ice-check", stun(0x0001, bytes(range(12)), check, "serverpasswordfuzz0123456"))
write("stun", "error-response", stun(0x0111, bytes(range(12)), [(0x0009, bytes([0, 0, 4, 1]) + b"Unauthorized")]))

# D-Bus: EnterRoom and StartLocalVideo calls as a client sends them, marshalled by dbus-fast.
from dbus_fast import Message, Variant
enter = Message(destination="org.trtcd.Trtc1", path="/org/trtcd/Trtc1/Room", interface="org.trtcd.Trtc1.Room",
                member="EnterRoom", signature="a{sv}", serial=1,
                body=[{"sdkAppId": Variant("u", 1400000001), "userId": Variant("s", "alice"),
                       "userSig": Variant("s", usersig), "roomId": Variant("u", 8888), "scene": Variant("s", "rtc"),
                       "role": Variant("s", "anchor"), "bindToCaller": Variant("b", True)}])
write("dbus", "enter-room", enter._marshall(False))
video = Message(destination="org.trtcd.Trtc1", path="/org/trtcd/Trtc1/Room", interface="org.trtcd.Trtc1.Room",
                member="StartLocalVideo", signature="a{sv}", serial=2,
                body=[{"camera": Variant("s", "/dev/video0"), "width": Variant("u", 1280), "height": Variant("u", 720),
                       "fps": Variant("u", 30), "bitrate": Variant("u", 900)}])
write("dbus", "start-local-video", video._marshall(False))
mixed = Message(path="/org/trtcd/Trtc1/Room", interface="org.freedesktop.DBus.Properties", member="Set", serial=3,
                signature="ssv(yxdas)aay", body=["org.trtcd.Trtc1.Room", "Role", Variant("as", ["a", "b"]),
                                                 [7, -5, 1.5, ["x"]], [b"\x01\x02", b""]])
write("dbus", "structs-arrays", mixed._marshall(False))
