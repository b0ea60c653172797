#!/usr/bin/env python3
"""An independent WebRTC transport stack (aiortc: aioice, pyOpenSSL DTLS, pylibsrtp) as a room member.

Usage: aiortc_peer.py SIGNALING_URL SDKAPPID USERID USERSIG ROOMID [CA_FILE]

Enters the room over the signaling WebSocket with aiortc's ICE ufrag and DTLS fingerprint, runs ICE (controlling,
towards the ICE-lite server), DTLS (client) and SRTP, then prints JSON lines on stdout:
  {"event": "secure", "videoSsrc": N, "profile": ...}   once the handshake is done
  {"event": "rtp", "hex": "..."}                          every decrypted RTP packet received
  {"event": "rtcp", "hex": "..."}                         every decrypted RTCP packet received
Meanwhile it sends 40 RTP packets (VP8 payload type 96, its granted video SSRC, payload "aiortc <n>") 50 ms
apart, protected by aiortc's SRTP, then leaves after 2 more seconds.
"""
import asyncio
import json
import ssl
import sys

import aioice.ice
import websockets
from aiortc import (RTCCertificate, RTCDtlsFingerprint, RTCDtlsParameters, RTCDtlsTransport, RTCIceCandidate,
                    RTCIceGatherer, RTCIceParameters, RTCIceTransport)

# aioice leaves 127.0.0.1 out of its host candidates; this test talks to a server on loopback only.
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"] if use_ipv4 else []


def emit(**fields):
    print(json.dumps(fields), flush=True)


async def main():
    url, sdk_app_id, user_id, user_sig, room_id = sys.argv[1:6]
    ca_file = sys.argv[6] if len(sys.argv) > 6 else None
    context = None
    if url.startswith("wss://"):
        context = ssl.create_default_context(cafile=ca_file)

    certificate = RTCCertificate.generateCertificate()
    gatherer = RTCIceGatherer()
    await gatherer.gather()
    local = gatherer.getLocalParameters()
    fingerprint = next(f for f in certificate.getFingerprints() if f.algorithm == "sha-256")

    async with websockets.connect(url + "/trtc/v1/signal", ssl=context) as ws:
        await ws.send(json.dumps({
            "type": "enter", "seq": 1, "sdkAppId": int(sdk_app_id), "userId": user_id, "userSig": user_sig,
            "roomId": int(room_id), "video": True, "audio": False,
            "media": {"ufrag": local.usernameFragment, "fingerprint": "sha-256 " + fingerprint.value},
        }))
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == "entered":
                grant = message["media"]
                break
            if message["type"] == "error":
                emit(event="error", message=message)
                return 2

        ice = RTCIceTransport(gatherer)
        ice._connection.ice_controlling = True  # the server is ICE-lite: we control and nominate
        dtls = RTCDtlsTransport(ice, [certificate])
        dtls._set_role("client")  # the server is always the DTLS server
        host = grant["host"] or "127.0.0.1"
        await ice.addRemoteCandidate(RTCIceCandidate(
            component=1, foundation="server", ip=host, port=grant["port"], priority=1, protocol="udp", type="host"))
        await ice.addRemoteCandidate(None)
        await ice.start(RTCIceParameters(usernameFragment=grant["ufrag"], password=grant["password"], iceLite=True))
        algorithm, value = grant["fingerprint"].split(" ", 1)
        await dtls.start(RTCDtlsParameters(fingerprints=[RTCDtlsFingerprint(algorithm=algorithm, value=value)], role="server"))
        if dtls.state != "connected":
            emit(event="error", message="DTLS " + dtls.state)
            return 3

        async def on_rtp(data, arrival_time_ms):
            emit(event="rtp", hex=data.hex())

        async def on_rtcp(data):
            emit(event="rtcp", hex=data.hex())

        dtls._handle_rtp_data = on_rtp
        dtls._handle_rtcp_data = on_rtcp
        emit(event="secure", videoSsrc=grant["videoSsrc"], audioSsrc=grant["audioSsrc"])

        async def heartbeats():
            while True:
                await asyncio.sleep(message["heartbeatMs"] / 1000)
                await ws.send(json.dumps({"type": "heartbeat"}))

        beating = asyncio.ensure_future(heartbeats())
        ssrc = grant["videoSsrc"]
        for n in range(40):
            payload = ("aiortc %d" % n).encode()
            header = bytes([0x80, 0x80 | 96]) + n.to_bytes(2, "big") + (n * 3000).to_bytes(4, "big") + ssrc.to_bytes(4, "big")
            await dtls._send_rtp(header + payload)
            await asyncio.sleep(0.05)
        await asyncio.sleep(2)
        beating.cancel()
        await dtls.stop()
        await ice.stop()
        await ws.send(json.dumps({"type": "leave", "seq": 2}))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
