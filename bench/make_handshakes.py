#!/usr/bin/env python3
"""Builds a capture of at least N handshakes from the committed real captures
(collector/tests/captures: OpenSSL at TLS 1.2 and 1.3, captured on loopback):
each copy of their flows comes from its own client address (the copy number
in its lower three octets) to one server, one after another, as a busy
server's handshakes do. No bulk data: it measures how memory grows with the
number of handshakes, not with bytes.

usage: make_handshakes.py OUT.pcap N
"""
import os, struct, sys

out_path, wanted = sys.argv[1], int(sys.argv[2])
here = os.path.join(os.path.dirname(__file__), "..", "collector", "tests", "captures")

def flow(name):
    """Frames of a capture, with which port is the server's (the SYN's destination)."""
    with open(os.path.join(here, name), "rb") as f:
        data = f.read()
    assert struct.unpack("<I", data[:4])[0] == 0xA1B2C3D4 and struct.unpack("<I", data[20:24])[0] == 1
    at, frames = 24, []
    while at + 16 <= len(data):
        incl = struct.unpack("<I", data[at + 8:at + 12])[0]
        frames.append(data[at + 16:at + 16 + incl])
        at += 16 + incl
    server_port = struct.unpack(">H", frames[0][36:38])[0]
    return frames, server_port

flows = [flow("tls1_2.pcap"), flow("tls1_3.pcap")]
copies = -(-wanted // len(flows))
ts = 1_700_000_000
with open(out_path, "wb") as out:
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
    for copy in range(copies):
        server, client = b"\x0a\x00\x00\x01", b"\xac" + bytes([copy >> 16 & 255, copy >> 8 & 255, copy & 255])
        for n, (frames, server_port) in enumerate(flows):
            for i, frame in enumerate(frames):
                frame = bytearray(frame)
                from_server = struct.unpack(">H", frame[34:36])[0] == server_port
                frame[26:30], frame[30:34] = (server, client) if from_server else (client, server)
                usec = (copy * 1000 + n * 100 + i) % 1_000_000
                out.write(struct.pack("<IIII", ts + copy // 1000, usec, len(frame), len(frame)) + frame)
print(f"{out_path}: {os.path.getsize(out_path) / 1e6:.0f} MB, {copies * len(flows)} handshakes")
