#!/usr/bin/env python3
"""Opens many HTTP/1.1 keep-alive connections to the server and holds them idle.

Used by bench/run.sh to check that idle keep-alive connections do not slow the others down:

    idle_connections.py --port 8080 --count 5000 --ready-file /tmp/idle.ready &
    # ... wait for the ready file, measure, then:
    kill -USR1 $!   # check the held connections are still open, print the result, exit

Each connection sends one `GET /healthz` and reads the whole answer, so the server has gone
through a full request on it and is waiting on keep-alive, as a browser tab would leave it.
On SIGUSR1 every connection is checked: still open (nothing to read, no EOF), then asked a
second request, which must be answered 200. SIGTERM or SIGINT exits without checking.

The ready file and the result are one line of `key=value` words:

    ready opened=5000 answered=5000 failed=0 seconds=0.84
    checked open=5000 closed=0 answered=5000
"""

import argparse
import errno
import os
import resource
import selectors
import signal
import socket
import sys
import time

REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: threathub-bench-idle\r\n\r\n"
# Connections being set up at once; the listen backlog is 4096 and a dropped SYN costs 1 s.
MAX_IN_FLIGHT = 256
STEP_TIMEOUT_SECONDS = 60


def raise_file_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            sys.exit(f"idle_connections: need {needed} file descriptors, hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


class Exchange:
    """One request and its answer on a connection: collects bytes until the answer is whole."""

    def __init__(self):
        self.buffer = b""

    def feed(self, data):
        """Returns None while incomplete, else whether the answer was 200."""
        self.buffer += data
        header_end = self.buffer.find(b"\r\n\r\n")
        if header_end < 0:
            return None
        length = 0
        for line in self.buffer[:header_end].split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        if len(self.buffer) < header_end + 4 + length:
            return None
        return self.buffer.startswith(b"HTTP/1.1 200 ")


def run_exchanges(selector, sockets, connect_first, host, port):
    """Sends REQUEST on every socket (connecting first if asked) and reads each answer.

    Returns (answered, failed) where `failed` are the indexes of sockets that errored or got
    something other than 200; those sockets are closed and set to None.
    """
    pending = list(range(len(sockets)))
    pending.reverse()
    in_flight = 0
    answered = 0
    failed = []
    exchanges = {}
    deadline = time.monotonic() + STEP_TIMEOUT_SECONDS

    def fail(index):
        nonlocal in_flight
        sock = sockets[index]
        try:
            selector.unregister(sock)
        except (KeyError, ValueError):
            pass
        sock.close()
        sockets[index] = None
        failed.append(index)
        in_flight -= 1

    while pending or in_flight:
        while pending and in_flight < MAX_IN_FLIGHT:
            index = pending.pop()
            sock = sockets[index]
            if sock is None:
                continue
            in_flight += 1
            exchanges[index] = Exchange()
            if connect_first:
                code = sock.connect_ex((host, port))
                if code not in (0, errno.EINPROGRESS):
                    fail(index)
                    continue
                selector.register(sock, selectors.EVENT_WRITE, index)
            else:
                try:
                    sock.send(REQUEST)
                except OSError:
                    fail(index)
                    continue
                selector.register(sock, selectors.EVENT_READ, index)
        if time.monotonic() > deadline:
            for key in list(selector.get_map().values()):
                fail(key.data)
            break
        for key, events in selector.select(timeout=1.0):
            index = key.data
            sock = sockets[index]
            if events & selectors.EVENT_WRITE:
                if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                    fail(index)
                    continue
                try:
                    sock.send(REQUEST)  # 80 bytes: always fits an empty send buffer
                except OSError:
                    fail(index)
                    continue
                selector.modify(sock, selectors.EVENT_READ, index)
                continue
            try:
                data = sock.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                fail(index)
                continue
            if not data:
                fail(index)
                continue
            ok = exchanges[index].feed(data)
            if ok is None:
                continue
            if not ok:
                fail(index)
                continue
            selector.unregister(sock)
            in_flight -= 1
            answered += 1
    return answered, failed


def check_open(sockets):
    """Counts sockets the server has not closed: no EOF, no reset, nothing unasked to read."""
    still_open = 0
    for index, sock in enumerate(sockets):
        if sock is None:
            continue
        try:
            data = sock.recv(1, socket.MSG_PEEK)
        except BlockingIOError:
            still_open += 1
            continue
        except OSError:
            data = b""
        # EOF, a reset, or bytes nobody asked for: the connection is no longer a clean idle one.
        sock.close()
        sockets[index] = None
    return still_open


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--ready-file", required=True)
    arguments = parser.parse_args()

    raise_file_limit(arguments.count + 64)
    # Block the signals before any work so none is lost between "ready" and sigwait().
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGTERM, signal.SIGINT})

    started = time.monotonic()
    selector = selectors.DefaultSelector()
    sockets = []
    for _ in range(arguments.count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sockets.append(sock)
    answered, failed = run_exchanges(selector, sockets, True, arguments.host, arguments.port)
    seconds = time.monotonic() - started
    line = (f"ready opened={arguments.count} answered={answered} failed={len(failed)} "
            f"seconds={seconds:.2f}")
    temporary = arguments.ready_file + ".tmp"
    with open(temporary, "w") as ready:
        ready.write(line + "\n")
    os.rename(temporary, arguments.ready_file)
    print(line, flush=True)

    received = signal.sigwait({signal.SIGUSR1, signal.SIGTERM, signal.SIGINT})
    if received != signal.SIGUSR1:
        return 0
    still_open = check_open(sockets)
    closed = answered - still_open
    answered_again, _ = run_exchanges(selector, sockets, False, arguments.host, arguments.port)
    print(f"checked open={still_open} closed={closed} answered={answered_again}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
