#!/usr/bin/env python3
"""Headless Chromium driven through the DevTools protocol over --remote-debugging-pipe (standard library only).

Usage: chromium_page.py URL COMMAND_FIFO [EXTRA_CHROMIUM_FLAG...]
Opens URL in a headless Chromium with a fake camera and microphone, then evaluates each line read from
COMMAND_FIFO as JSON {"id": N, "expr": "<JavaScript expression, may be a promise>"} in the page and prints
`result N <JSON value>` or `error N <message>`; {"id": N, "screenshot": "<path>"} writes a PNG of the page there. Console messages are printed as `console <text>`, uncaught
exceptions as `exception <text>`. Ends when the FIFO is closed by its writer or Chromium exits.
"""
import ctypes
import json
import os
import signal
import shutil
import subprocess
import sys
import tempfile
import threading

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def main():
    url, fifo, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
    profile = tempfile.mkdtemp(prefix="trtc-chromium-")
    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()
    # Chromium reads commands on fd 3 and writes answers on fd 4.
    def child_fds():
        # Copies first: a descriptor already numbered 3 or 4 would keep its close-on-exec flag through dup2.
        # Chromium dies with this script, however it ends (PR_SET_PDEATHSIG).
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
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
