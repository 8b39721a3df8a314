#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Wake a suspended guest: the host side of suites.txt's s3 flag.

s3-waker.py QMP_SOCKET LOG

Connects to QEMU's QMP socket (waiting for QEMU to create it), and each
time the guest enters S3 (QMP event SUSPEND) sends system_wakeup a second
later.  Every event and reply goes to LOG.  Ends when QEMU goes away.
"""
import json
import socket
import sys
import time


def main():
    path, log_path = sys.argv[1], sys.argv[2]
    with open(log_path, "a", buffering=1) as log:
        sock = None
        for _ in range(600):
            try:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.connect(path)
                break
            except OSError:
                sock.close()
                sock = None
                time.sleep(0.1)
        if sock is None:
            log.write("no QMP socket at %s\n" % path)
            return 1
        stream = sock.makefile("rw", buffering=1)

        def send(cmd):
            log.write("-> %s\n" % cmd)
            stream.write(json.dumps({"execute": cmd}) + "\n")
            stream.flush()

        send("qmp_capabilities")
        for line in stream:
            log.write("<- %s" % line)
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if msg.get("event") == "SUSPEND":
                time.sleep(1)
                send("system_wakeup")
    return 0


if __name__ == "__main__":
    sys.exit(main())
