#!/usr/bin/env python3
"""An independent D-Bus client of trtcd (dbus-fast, not our Swift code), driven by DaemonPythonClientTests.

usage: dbus_fast_client.py BUS_ADDRESS SDKAPPID SECRET_KEY
Prints one line per check and exits 0 only if every check passed.
"""
import asyncio
import sys

import TLSSigAPIv2
from dbus_fast import Message, MessageType, Variant
from dbus_fast.aio import MessageBus

NAME, PATH, IFACE = "org.trtcd.Trtc1", "/org/trtcd/Trtc1", "org.trtcd.Trtc1.Room"
failures = []
passed = 0


def check(condition, what):
    global passed
    if condition:
        passed += 1
        print("ok   " + what)
    else:
        failures.append(what)
        print("FAIL " + what)


async def main(address, sdkappid, key):
    bus = await MessageBus(bus_address=address).connect()
    events = []  # ("signal", member, body) and ("reply", member) in arrival order

    def on_message(message):
        if message.message_type == MessageType.SIGNAL and message.path == PATH:
            events.append(("signal", message.member, list(message.body)))

    bus.add_message_handler(on_message)
    await bus.call(Message(destination="org.freedesktop.DBus", path="/org/freedesktop/DBus",
                           interface="org.freedesktop.DBus", member="AddMatch", signature="s",
                           body=[f"type='signal',path='{PATH}'"]))

    async def call(member, signature="", body=(), interface=IFACE):
        reply = await bus.call(Message(destination=NAME, path=PATH, interface=interface, member=member,
                                       signature=signature, body=list(body)))
        events.append(("reply", member, reply.error_name))
        return reply

    def params(**overrides):
        user = overrides.pop("user", "py-user")
        p = {"sdkAppId": Variant("u", sdkappid), "userId": Variant("s", user),
             "userSig": Variant("s", TLSSigAPIv2.TLSSigAPIv2(sdkappid, key).gen_sig(user, 3600)),
             "roomId": Variant("u", 4242)}
        for k, v in overrides.items():
            if v is None:
                p.pop(k, None)
            else:
                p[k] = v
        return p

    # Bad input: the right error names and TRTC codes.
    for label, p, name, code in [
        ("roomId 0", params(roomId=Variant("u", 0)), "InvalidArgument", "[-3318]"),
        ("roomId as a string", params(roomId=Variant("s", "4242")), "InvalidArgument", "[-3318]"),
        ("no room", params(roomId=None), "InvalidArgument", "[-3316]"),
        ("bad userId", params(userId=Variant("s", "no spaces allowed")), "InvalidArgument", "[-3319]"),
        ("empty userSig", params(userSig=Variant("s", "")), "InvalidArgument", "[-3320]"),
        ("sdkAppId 0", params(sdkAppId=Variant("u", 0)), "InvalidArgument", "[-3317]"),
        ("unknown key", params(volume=Variant("u", 11)), "InvalidArgument", "[-3316]"),
        ("forged userSig", params(userSig=Variant("s", "eJyrVgrxCdYrSy1SslIyUtIBAA__")), "AuthFailed", "[-100018]"),
    ]:
        reply = await call("EnterRoom", "a{sv}", [p])
        check(reply.message_type == MessageType.ERROR and reply.error_name == "org.trtcd.Trtc1.Error." + name
              and str(reply.body[0]).startswith(code), f"EnterRoom with {label} -> {name} {code}")
    reply = await call("EnterRoom", "s", ["not a dict"])
    check(reply.error_name == "org.freedesktop.DBus.Error.InvalidArgs", "EnterRoom with the wrong signature -> InvalidArgs")

    # Enter: reply after admission, EnterRoom(x > 0) signal, properties.
    events.clear()
    reply = await call("EnterRoom", "a{sv}", [params()])
    check(reply.message_type == MessageType.METHOD_RETURN, "EnterRoom succeeds")
    entered = [e for e in events if e[0] == "signal" and e[1] == "EnterRoom"]
    check(len(entered) == 1 and entered[0][2][0] > 0, "one EnterRoom(x > 0) signal, before the reply")
    state = await call("Get", "ss", [IFACE, "State"], interface="org.freedesktop.DBus.Properties")
    check(state.body[0].value == "in-room", "State is in-room")
    again = await call("EnterRoom", "a{sv}", [params()])
    check(again.error_name == "org.trtcd.Trtc1.Error.AlreadyInRoom", "EnterRoom again -> AlreadyInRoom")

    # Exit: ExitRoom(0) arrives before the reply; State back to idle via PropertiesChanged.
    events.clear()
    reply = await call("ExitRoom")
    order = [(e[0], e[1]) for e in events if e[1] in ("ExitRoom",)]
    check(order == [("signal", "ExitRoom"), ("reply", "ExitRoom")], f"ExitRoom(0) signal then reply: {order}")
    exit_signal = [e for e in events if e[0] == "signal" and e[1] == "ExitRoom"]
    check(bool(exit_signal) and exit_signal[0][2] == [0], "ExitRoom reason 0")
    await asyncio.sleep(0.2)
    changed = [e for e in events if e[0] == "signal" and e[1] == "PropertiesChanged"
               and "State" in e[2][1] and e[2][1]["State"].value == "idle"]
    check(bool(changed), "PropertiesChanged State=idle")
    events.clear()
    await call("ExitRoom")
    await asyncio.sleep(0.2)
    check(not [e for e in events if e[0] == "signal"], "ExitRoom when idle emits nothing")

    bus.disconnect()
    print(f"python dbus-fast client: {passed} checks passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3])))
