#!/usr/bin/env python3
"""Builds a large benchmark capture from the pcap corpus: its flows replicated
with distinct 5-tuples (the 2nd and 3rd octets of both IPv4 addresses carry the
copy number, so both directions of a flow stay together), interleaved with bulk
transfers that make up most of the bytes, as on a real server.

usage: make_capture.py CORPUS_PCAP_DIR OUT.pcap SIZE_MB
"""
import glob, os, random, struct, sys

corpus, out_path, size_mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
target = size_mb * 1024 * 1024

def packets(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic not in (0xA1B2C3D4, 0xA1B23C4D):
        return []  # pcapng and big-endian files are skipped
    at, out = 24, []
    while at + 16 <= len(data):
        _, _, incl, orig = struct.unpack("<IIII", data[at:at + 16])
        out.append(bytearray(data[at + 16:at + 16 + incl]))
        at += 16 + incl
    return out

flows = [p for f in sorted(glob.glob(os.path.join(corpus, "*.pcap"))) + sorted(glob.glob(os.path.join(corpus, "*.cap"))) for p in packets(f)]
corpus_bytes = sum(len(p) for p in flows)

def bulk_flow(rng, copy, n):
    """A TCP transfer on port 9000 with n full-size segments of random bytes."""
    src = bytes([10, 200, copy >> 8 & 255, copy & 255]); dst = bytes([10, 201, copy >> 8 & 255, copy & 255])
    seq = rng.getrandbits(32)
    payload = rng.randbytes(1448)
    for i in range(n):
        tcp = struct.pack(">HHIIBBHHH", 40000 + copy % 20000, 9000, (seq + i * 1448) & 0xFFFFFFFF, 0, 5 << 4, 0x18 if i else 0x02, 65535, 0, 0)
        body = tcp + (payload if i else b"")
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(body), 0, 0, 64, 6, 0, src, dst)
        yield b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + body

rng = random.Random(7)
written, copy, ts = 0, 0, 1_700_000_000
with open(out_path, "wb") as out:
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
    while written < target:
        for p in flows:
            frame = bytearray(p)
            if len(frame) >= 34 and frame[12:14] == b"\x08\x00":
                for base in (26, 30):  # IPv4 source and destination
                    frame[base + 1] ^= copy & 255
                    frame[base + 2] ^= (copy >> 8) & 255
            out.write(struct.pack("<IIII", ts, copy % 1_000_000, len(frame), len(frame)) + frame)
            written += 16 + len(frame)
        # About four times the corpus bytes in bulk data per copy.
        for frame in bulk_flow(rng, copy, 4 * corpus_bytes // 1448):
            out.write(struct.pack("<IIII", ts, 0, len(frame), len(frame)) + frame)
            written += 16 + len(frame)
        copy += 1
        ts += 60
print(f"{out_path}: {written / 1e6:.0f} MB, {copy} copies of {len(flows)} corpus packets plus bulk flows")
