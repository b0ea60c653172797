#!/usr/bin/env python3
"""Headless Chromium in a network namespace of its own, driven through the DevTools protocol over
--remote-debugging-pipe (standard library only; needs root for the namespace).

Usage: chromium_page.py [--tcp PORT]... [--udp PORT[:HOST_PORT]]... URL COMMAND_FIFO [EXTRA_CHROMIUM_FLAG...]
Makes a network namespace whose only interface is `lo` and runs Chromium in it: it can reach nothing but the
loopback ports given with --tcp and --udp, which this script forwards to the same ports on the host's loopback
(the test's trtc-server: signaling and media), or a UDP port to HOST_PORT (e.g. an impairment relay to the server). Opens URL in Chromium with a fake camera and microphone, then
evaluates each line read from COMMAND_FIFO as JSON {"id": N, "expr": "<JavaScript expression, may be a promise>"}
in the page and prints `result N <JSON value>` or `error N <message>`; {"id": N, "screenshot": "<path>"} writes a
PNG of the page there; {"id": N, "cutTcp": true} closes every forwarded TCP connection (a dropped signaling
connection; new ones are still forwarded) and answers how many it closed. Console messages are printed as
`console <text>`, uncaught exceptions as `exception <text>`. Ends when the FIFO is closed by its writer or
Chromium exits.
"""
import ctypes
import json
import os
import select
import signal
import shutil
import socket
import subprocess
import sys
import tempfile
import threading

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CLONE_NEWNET = 0x40000000
LIBC = ctypes.CDLL(None, use_errno=True)


def setns(fd):
    if LIBC.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns")


class Namespace:
    """A network namespace with only `lo` up (`ip netns add`), deleted by `delete()`."""

    def __init__(self):
        if os.geteuid() != 0:
            sys.stderr.write("chromium_page.py: a network namespace needs root (CI runs as root); not running Chromium outside one\n")
            print("namespace-failed: not root", flush=True)
            sys.exit(4)
        # Namespaces of earlier runs whose script was killed before it could delete them.
        for name in os.listdir("/run/netns") if os.path.isdir("/run/netns") else []:
            if name.startswith("trtc-browser-") and not os.path.exists(f"/proc/{name[len('trtc-browser-'):]}"):
                subprocess.run(["ip", "netns", "delete", name], stderr=subprocess.DEVNULL)
        self.name = f"trtc-browser-{os.getpid()}"
        for command in (["ip", "netns", "add", self.name], ["ip", "-n", self.name, "link", "set", "lo", "up"]):
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode != 0:
                print(f"namespace-failed: {' '.join(command)}: {done.stderr.strip()}", flush=True)
                self.delete()
                sys.exit(4)
        self.fd = os.open(f"/run/netns/{self.name}", os.O_RDONLY | os.O_CLOEXEC)

    def socket_inside(self, kind, port):
        """A socket bound to 127.0.0.1:port inside the namespace (a socket stays in the namespace it was made in)."""
        host = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        setns(self.fd)
        try:
            made = socket.socket(socket.AF_INET, kind)
            made.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            made.bind(("127.0.0.1", port))
        finally:
            setns(host)
            os.close(host)
        return made

    def delete(self):
        subprocess.run(["ip", "netns", "delete", self.name], stderr=subprocess.DEVNULL)


class Forwarder:
    """Forwards loopback ports inside the namespace to the same ports on the host's loopback."""

    def __init__(self, namespace, tcp_ports, udp_ports):
        self.lock = threading.Lock()
        self.connections = []
        for port in tcp_ports:
            listener = namespace.socket_inside(socket.SOCK_STREAM, port)
            listener.listen(64)
            threading.Thread(target=self.accept, args=(listener, port), daemon=True).start()
        for port, host_port in udp_ports:
            inside = namespace.socket_inside(socket.SOCK_DGRAM, port)
            threading.Thread(target=self.relay_udp, args=(inside, host_port), daemon=True).start()

    def accept(self, listener, port):
        while True:
            inside, _ = listener.accept()
            try:
                outside = socket.create_connection(("127.0.0.1", port))
            except OSError:
                inside.close()
                continue
            for each in (inside, outside):
                each.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self.lock:
                self.connections.append((inside, outside))
            threading.Thread(target=self.pump, args=(inside, outside), daemon=True).start()
            threading.Thread(target=self.pump, args=(outside, inside), daemon=True).start()

    @staticmethod
    def pump(source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        for each in (source, sink):
            try:
                each.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut_tcp(self):
        """Resets every forwarded connection at once, as a dropped network path would end them."""
        with self.lock:
            connections, self.connections = self.connections, []
        for pair in connections:
            for each in pair:
                try:
                    each.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    each.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        return len(connections)

    @staticmethod
    def relay_udp(inside, port):
        # One host socket per address inside, so the server sees each of Chromium's sockets as its own address.
        outside_for = {}
        inside_for = {}
        while True:
            readable, _, _ = select.select([inside] + list(inside_for), [], [])
            for ready in readable:
                try:
                    if ready is inside:
                        data, address = inside.recvfrom(65536)
                        outside = outside_for.get(address)
                        if outside is None:
                            outside = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                            outside.connect(("127.0.0.1", port))
                            outside_for[address] = outside
                            inside_for[outside] = address
                        outside.send(data)
                    else:
                        inside.sendto(ready.recv(65536), inside_for[ready])
                except OSError:
                    pass


def main():
    tcp_ports, udp_ports = [], []
    arguments = sys.argv[1:]
    while arguments and arguments[0] in ("--tcp", "--udp"):
        if arguments[0] == "--tcp":
            tcp_ports.append(int(arguments[1]))
        else:
            inside, _, outside = arguments[1].partition(":")
            udp_ports.append((int(inside), int(outside or inside)))
        arguments = arguments[2:]
    url, fifo, extra = arguments[0], arguments[1], arguments[2:]
    namespace = Namespace()
    try:
        forwarder = Forwarder(namespace, tcp_ports, udp_ports)
        run_page(url, fifo, extra, namespace, forwarder)
    finally:
        namespace.delete()


def run_page(url, fifo, extra, namespace, forwarder):
    profile = tempfile.mkdtemp(prefix="trtc-chromium-")
    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()
    # Chromium reads commands on fd 3 and writes answers on fd 4.
    def child_fds():
        # Copies first: a descriptor already numbered 3 or 4 would keep its close-on-exec flag through dup2.
        # Chromium dies with this script, however it ends (PR_SET_PDEATHSIG).
        LIBC.prctl(1, signal.SIGKILL)
        # Chromium lives in the namespace: only lo, and only the forwarded ports lead anywhere.
        setns(namespace.fd)
        reading, writing = os.dup(to_chrome_r), os.dup(from_chrome_w)
        os.dup2(reading, 3)
        os.dup2(writing, 4)
    flags = [
        "--headless=new", "--no-sandbox", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        "--autoplay-policy=no-user-gesture-required", "--allow-loopback-in-peer-connection",
        "--remote-debugging-pipe", f"--user-data-dir={profile}", "--no-first-run", "--no-default-browser-check",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-gpu",
        # Nothing but 127.0.0.1 resolves: no host name of any service Chromium would call leaves this machine.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--disable-dev-shm-usage", "--mute-audio",
        # The tests' trtc-server speaks TLS with a certificate of the tests' own CA.
        "--ignore-certificate-errors",
    ] + extra + ["about:blank"]
    chrome = subprocess.Popen([CHROMIUM] + flags, preexec_fn=child_fds, stdout=subprocess.DEVNULL, stderr=open(os.path.join(profile, "stderr.log"), "w"),
                              close_fds=False)
    os.close(to_chrome_r)
    os.close(from_chrome_w)

    def terminate(signum, frame):
        chrome.kill()
        shutil.rmtree(profile, ignore_errors=True)
        namespace.delete()
        os._exit(0)
    signal.signal(signal.SIGTERM, terminate)
    out = os.fdopen(to_chrome_w, "wb", buffering=0)
    inp = os.fdopen(from_chrome_r, "rb", buffering=0)
    lock = threading.Lock()
    waiters = {}
    next_id = [0]
    session = [None]
    closing = threading.Event()

    def emit(line):
        with lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def send(method, params=None, session_id=None):
        with lock:
            next_id[0] += 1
            mid = next_id[0]
            event = threading.Event()
            waiters[mid] = [event, None]
        message = {"id": mid, "method": method, "params": params or {}}
        if session_id:
            message["sessionId"] = session_id
        out.write(json.dumps(message).encode() + b"\0")
        event.wait()
        with lock:
            return waiters.pop(mid)[1]

    def reader():
        buffer = b""
        while True:
            chunk = inp.read(65536)
            if not chunk:
                if closing.is_set():
                    return
                emit("chromium-gone")
                chrome.kill()
                shutil.rmtree(profile, ignore_errors=True)
                namespace.delete()
                os._exit(3)
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "id" in message:
                    with lock:
                        waiter = waiters.get(message["id"])
                    if waiter:
                        waiter[1] = message
                        waiter[0].set()
                elif message.get("method") == "Runtime.consoleAPICalled":
                    args = message["params"].get("args", [])
                    text = " ".join(str(a.get("value", a.get("description", ""))) for a in args)
                    emit("console " + text.replace("\n", " "))
                elif message.get("method") == "Runtime.exceptionThrown":
                    details = message["params"]["exceptionDetails"]
                    text = details.get("exception", {}).get("description") or details.get("text", "")
                    emit("exception " + text.replace("\n", " "))

    threading.Thread(target=reader, daemon=True).start()
    target = send("Target.createTarget", {"url": "about:blank"})["result"]["targetId"]
    session[0] = send("Target.attachToTarget", {"targetId": target, "flatten": True})["result"]["sessionId"]
    send("Runtime.enable", session_id=session[0])
    send("Page.enable", session_id=session[0])
    loaded = send("Page.navigate", {"url": url}, session_id=session[0])
    if "error" in loaded or loaded.get("result", {}).get("errorText"):
        emit("navigate-failed " + json.dumps(loaded))
        chrome.kill()
        shutil.rmtree(profile, ignore_errors=True)
        namespace.delete()
        sys.exit(2)
    # Wait for the document to be ready before taking commands.
    while True:
        state = send("Runtime.evaluate", {"expression": "document.readyState", "returnByValue": True},
                     session_id=session[0])
        if state.get("result", {}).get("result", {}).get("value") == "complete":
            break
        threading.Event().wait(0.05)
    emit("ready " + str(chrome.pid))

    def run(command):
        try:
            request = json.loads(command)
        except ValueError as error:
            emit(f"error ? bad command: {error}")
            return
        if request.get("cutTcp"):
            emit(f"result {request['id']} " + json.dumps(forwarder.cut_tcp()))
            return
        if "screenshot" in request:
            shot = send("Page.captureScreenshot", {"format": "png"}, session_id=session[0])
            if "error" in shot:
                emit(f"error {request['id']} {json.dumps(shot['error'])}")
                return
            import base64
            with open(request["screenshot"], "wb") as png:
                png.write(base64.b64decode(shot["result"]["data"]))
            emit(f"result {request['id']} " + json.dumps(request["screenshot"]))
            return
        answer = send("Runtime.evaluate", {"expression": request["expr"], "awaitPromise": True, "returnByValue": True},
                      session_id=session[0])
        result = answer.get("result", {})
        if "error" in answer:
            emit(f"error {request['id']} {json.dumps(answer['error'])}")
        elif "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text", "")
            emit(f"error {request['id']} " + text.replace("\n", " "))
        else:
            emit(f"result {request['id']} " + json.dumps(result.get("result", {}).get("value")))

    with open(fifo, "r") as commands:
        for line in commands:
            line = line.strip()
            if line:
                threading.Thread(target=run, args=(line,), daemon=True).start()
    closing.set()
    try:
        out.write(json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
    except OSError:
        pass
    try:
        chrome.wait(timeout=5)
    except subprocess.TimeoutExpired:
        chrome.kill()
    shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
