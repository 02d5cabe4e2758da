#!/usr/bin/env python3
"""A flood, as JSONL observations: a Linux web server used every day for 21
days (SSH by alice, HTTPS by 60 one-off visitors a day), then N failed sshd
password logons, each with its own user name and peer, and N connections
accepted from their own peers on ports 1024-65535 in turn, over three
nights. Usage: bench/flood_workload.py N > flood.jsonl"""
import json
import sys
from datetime import datetime, timedelta, timezone

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
start = datetime(2026, 11, 1, tzinfo=timezone.utc)
out = sys.stdout
host = "web01"


def stamp(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def line(t, source, kind, **fields):
    out.write(json.dumps({"v": 1, "time": stamp(t), "host": host, "source": source, "kind": kind, **fields},
                         separators=(",", ":")))
    out.write("\n")


def peer(i):
    return {"ip": f"{(i >> 24) % 223 + 1}.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}", "port": 40000 + i % 20000}


line(start, "inventory", "inventory", items=[
    {"category": "setting", "name": "os", "attrs": {"value": "linux"}},
    {"category": "listener", "name": "sshd:22", "attrs": {"port": 22, "process": "sshd", "transport": "tcp"}},
    {"category": "listener", "name": "nginx:443", "attrs": {"port": 443, "process": "nginx", "transport": "tcp"}},
    {"category": "account", "name": "alice", "attrs": {"shell": "/bin/bash"}},
])
for d in range(21):
    day = start + timedelta(days=d)
    for source, categories in (("ebpf", ["*"]), ("journal", ["logon"])):
        line(day + timedelta(days=1), source, "coverage", categories=categories, **{
            "from": stamp(day), "to": stamp(day + timedelta(days=1)), "lost": 0})
    line(day + timedelta(hours=9), "journal", "logon", service="sshd", method="publickey", success=True,
         user="alice", peer={"ip": "10.0.0.5"})
    line(day + timedelta(hours=9), "ebpf", "connection", transport="tcp", role="server",
         local={"ip": "10.0.0.1", "port": 22}, peer={"ip": "10.0.0.5", "port": 50000})
    for v in range(60):
        line(day + timedelta(hours=10, minutes=v), "ebpf", "connection", transport="tcp", role="server",
             local={"ip": "10.0.0.1", "port": 443}, peer=peer(d * 1000 + v + 7_000_000))
flood_start = start + timedelta(days=14)
for i in range(n):
    t = flood_start + timedelta(days=i * 3 // n, seconds=(i % (n // 3 + 1)) * 21600 // (n // 3 + 1))
    line(t, "journal", "logon", service="sshd", method="password", success=False, user=f"u{i}", peer=peer(i))
    line(t, "ebpf", "connection", transport="tcp", role="server",
         local={"ip": "10.0.0.1", "port": 1024 + i % 64512}, peer=peer(i + n))
