"""Where a process tree listens and connects: `/proc` for live sockets, `strace` for every attempt.

`listening(pgid)` reads /proc/net/{tcp,tcp6,udp,udp6} for the sockets that the processes of one
process group hold; `inet_calls(log)` parses an `strace -f -e trace=bind,connect,sendto,sendmsg`
log into (syscall, address) for every IPv4/IPv6 address a process bound to or tried to reach.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
from pathlib import Path

LOOPBACK = {"127.0.0.1", "::1"}
STRACE = shutil.which("strace")
_INET = re.compile(r"\b(bind|connect|sendto|sendmsg)\(.*?sa_family=AF_INET6?\b.*?"
                   r"(?:inet_addr\(\"([^\"]+)\"\)|inet_pton\(AF_INET6, \"([^\"]+)\")")


def group_pids(pgid: int) -> list[int]:
    """Every live process in process group `pgid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[2]) == pgid:
                found.append(int(entry.name))
    return found


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        pass
    return inodes


def _address(hex_address: str) -> str:
    """`0100007F:1F90` -> `127.0.0.1` (the kernel prints 32-bit words in host order)."""
    host = hex_address.split(":")[0]
    raw = b"".join(bytes.fromhex(host[i:i + 8])[::-1] for i in range(0, len(host), 8))
    return str(ipaddress.ip_address(raw).ipv4_mapped or ipaddress.ip_address(raw)) if len(raw) == 16 \
        else str(ipaddress.ip_address(raw))


def listening(pgid: int) -> list[tuple[str, str, int]]:
    """(protocol, local address, port) of every TCP listener and bound UDP socket of the group."""
    inodes = set().union(*(_socket_inodes(pid) for pid in group_pids(pgid)))
    found = []
    for proto in ("tcp", "tcp6", "udp", "udp6"):
        lines = Path(f"/proc/net/{proto}").read_text().splitlines()[1:]
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if inode in inodes and (state == "0A" or proto.startswith("udp")):
                found.append((proto, _address(local), int(local.split(":")[1], 16)))
    return found


def inet_calls(log: Path) -> list[tuple[str, str]]:
    """(syscall, address) for every IPv4/IPv6 bind, connect, sendto or sendmsg in an strace log."""
    calls = []
    for line in log.read_text(errors="replace").splitlines():
        match = _INET.search(line)
        if match:
            calls.append((match.group(1), match.group(2) or match.group(3)))
    return calls


def outbound(calls: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The calls that bind to or reach anything but this machine's loopback addresses."""
    return [(call, address) for call, address in calls if address not in LOOPBACK]
