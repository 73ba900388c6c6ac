#!/usr/bin/env python3
"""CPU seconds and memory of processes and everything they started, for the
milter benchmark.

  proctime.py cpu PID...   user + system seconds of each PID and its
                           descendants (threads included, and the children
                           they already reaped)
  proctime.py rss PID      "VmRSS VmHWM" of PID in KiB
"""
import os
import sys

TICK = os.sysconf("SC_CLK_TCK")


def stat(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    rest = s[s.rindex(")") + 2:].split()
    # fields after the name: state ppid ... utime(14) stime(15) cutime(16) cstime(17)
    return int(rest[1]), sum(int(x) for x in rest[11:15])


def tree_cpu(roots):
    procs = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = stat(int(d))
            if st is not None:
                procs[int(d)] = st
    total = 0
    seen = set()
    todo = [p for p in roots if p in procs]
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        total += procs[p][1]
        todo += [c for c, (ppid, _) in procs.items() if ppid == p]
    return total / TICK


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "cpu":
        print("%.3f" % tree_cpu([int(p) for p in sys.argv[2:]]))
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "rss":
        v = {}
        with open("/proc/%s/status" % sys.argv[2]) as f:
            for line in f:
                k, _, rest = line.partition(":")
                v[k] = rest.split()[0] if rest.split() else "0"
        print(v.get("VmRSS", "0"), v.get("VmHWM", "0"))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
