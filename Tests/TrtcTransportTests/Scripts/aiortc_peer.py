"""An independent WebRTC transport stack (aiortc: aioice, pyOpenSSL, pylibsrtp) as the client of a
ServerMediaConnection: ICE controlling toward an ICE-lite peer, DTLS client, SRTP. Sends RTP and RTCP and expects
each echoed back unchanged (the test's server unprotects and protects again).

Usage: aiortc_peer.py HOST PORT SERVER_UFRAG SERVER_PASSWORD "sha-256 AB:CD:..."
Prints "PARAMS ufrag password sha-256 fingerprint" first, then "ECHO n" per echoed packet and "DONE profile".
"""

import asyncio
import sys

from aiortc import (
    RTCCertificate,
    RTCDtlsFingerprint,
    RTCDtlsParameters,
    RTCDtlsTransport,
    RTCIceCandidate,
    RTCIceGatherer,
    RTCIceParameters,
    RTCIceTransport,
)

RTP_COUNT = 5


def rtp_packet(sequence: int) -> bytes:
    header = bytes([0x80, 96, sequence >> 8, sequence & 0xFF, 0, 0, 0x10, sequence, 0xCA, 0xFE, 0xBA, 0xBE])
    return header + (f"aiortc packet {sequence} ".encode() * 20)


def sender_report() -> bytes:
    return bytes([0x80, 200, 0, 6, 0xCA, 0xFE, 0xBA, 0xBE]) + bytes(range(20))


async def main() -> None:
    host, port, ufrag, password, fingerprint = sys.argv[1:6]
    algorithm, value = fingerprint.split(" ", 1)

    gatherer = RTCIceGatherer(iceServers=[])  # no public STUN server: host candidates only
    await gatherer.gather()
    ice = RTCIceTransport(gatherer)
    dtls = RTCDtlsTransport(ice, [RTCCertificate.generateCertificate()])
    local = gatherer.getLocalParameters()
    local_fingerprint = next(f for f in dtls.getLocalParameters().fingerprints if f.algorithm == "sha-256")
    print("PARAMS", local.usernameFragment, local.password, "sha-256", local_fingerprint.value, flush=True)

    echoed: asyncio.Queue = asyncio.Queue()

    async def on_rtp(data: bytes, arrival_time_ms: int) -> None:
        await echoed.put(data)

    async def on_rtcp(data: bytes) -> None:
        await echoed.put(data)

    dtls._handle_rtp_data = on_rtp  # plaintext after unprotect; no RTP receiver objects needed
    dtls._handle_rtcp_data = on_rtcp

    await ice.addRemoteCandidate(
        RTCIceCandidate(component=1, foundation="1", ip=host, port=int(port), priority=2130706431,
                        protocol="udp", type="host"))
    await ice.addRemoteCandidate(None)
    # The server is ICE-lite, so this side must be the controlling agent; aiortc's ORTC objects leave the role to
    # the caller (RTCPeerConnection sets it from the offer/answer).
    ice._connection.ice_controlling = True
    await asyncio.wait_for(ice.start(RTCIceParameters(usernameFragment=ufrag, password=password, iceLite=True)), 10)
    # ORTC mode would make the controlling side the DTLS server; here the server is always the DTLS server.
    dtls._set_role("client")
    await asyncio.wait_for(
        dtls.start(RTCDtlsParameters(fingerprints=[RTCDtlsFingerprint(algorithm=algorithm, value=value)])), 10)
    print("CONNECTED", flush=True)

    sent = [rtp_packet(n) for n in range(1, RTP_COUNT + 1)] + [sender_report()]
    for packet in sent:
        await dtls._send_rtp(packet)
        reply = await asyncio.wait_for(echoed.get(), 5)
        if reply != packet:
            print("MISMATCH", packet.hex(), reply.hex(), flush=True)
            sys.exit(1)
        print("ECHO", len(reply), flush=True)
    profile = dtls._ssl.get_selected_srtp_profile().decode()
    print("DONE", profile, flush=True)
    await dtls.stop()
    await ice.stop()


asyncio.run(main())
