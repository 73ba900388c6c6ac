#!/usr/bin/env python3
"""A strict reader of the Prometheus text exposition format (version 0.0.4),
for the tests of sluiced's /metrics.

parse(text) returns {(name, ((label, value), ...)): float} and raises
FormatError naming the line for anything a Prometheus server would refuse or
misread:
  - metric and label names that are not [a-zA-Z_:][a-zA-Z0-9_:]* /
    [a-zA-Z_][a-zA-Z0-9_]* (and no label starting with "__");
  - label values that are not double-quoted, escape anything but \\\\, \\" and
    \\n, or are not UTF-8; a label twice in one sample; a series twice;
  - HELP or TYPE twice for one family, TYPE after its samples, an unknown
    type, samples of one family not together;
  - values that are not numbers (+Inf, -Inf, NaN allowed), counters below 0;
  - histograms: _bucket samples without le, le not increasing, counts going
    down, no le="+Inf", _count not equal to the +Inf bucket, no _sum;
  - a last line without its line feed.

Usage as a program: promcheck.py FILE (prints the number of series).
"""
import math
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


class FormatError(Exception):
    pass


def _value(s, where):
    if s in ("+Inf", "Inf"):
        return math.inf
    if s == "-Inf":
        return -math.inf
    if s == "NaN":
        return math.nan
    if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", s):
        raise FormatError("%s: '%s' is not a number" % (where, s))
    return float(s)


def _labels(s, i, where):
    """Reads {a="x",b="y"} from s[i] (which is '{'); returns (labels, next index)."""
    assert s[i] == "{"
    i += 1
    out = []
    while True:
        if s[i] == "}":
            return tuple(out), i + 1
        m = LABEL.match(s, i)
        if not m:
            raise FormatError("%s: bad label name at column %d" % (where, i + 1))
        name = m.group(0)
        if name.startswith("__"):
            raise FormatError("%s: label %s is reserved" % (where, name))
        i = m.end()
        if s[i:i + 2] != '="':
            raise FormatError("%s: label %s: expected =\"" % (where, name))
        i += 2
        val = []
        while True:
            if i >= len(s):
                raise FormatError("%s: label %s: value not closed" % (where, name))
            c = s[i]
            if c == "\\":
                nxt = s[i + 1:i + 2]
                if nxt not in ("\\", '"', "n"):
                    raise FormatError("%s: label %s: bad escape \\%s" % (where, name, nxt))
                val.append("\n" if nxt == "n" else nxt)
                i += 2
            elif c == '"':
                i += 1
                break
            elif c == "\n":
                raise FormatError("%s: label %s: raw line feed" % (where, name))
            else:
                val.append(c)
                i += 1
        if any(n == name for n, _ in out):
            raise FormatError("%s: label %s twice" % (where, name))
        out.append((name, "".join(val)))
        if s[i] == ",":
            i += 1
            if s[i] == "}":  # a trailing comma is allowed
                return tuple(out), i + 1
        elif s[i] != "}":
            raise FormatError("%s: expected , or } after label %s" % (where, name))


def _family(name, types):
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and types.get(name[: -len(suffix)]) in ("histogram", "summary"):
            return name[: -len(suffix)]
    return name


def parse(text):
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            raise FormatError("not UTF-8: %s" % e)
    if text and not text.endswith("\n"):
        raise FormatError("the last line has no line feed")
    samples = {}
    helps, types = {}, {}
    seen_samples = set()  # families that had samples
    done = set()          # families whose samples are over
    current = None
    for n, line in enumerate(text.split("\n")[:-1], 1):
        where = "line %d" % n
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                if not NAME.fullmatch(name):
                    raise FormatError("%s: bad metric name %r" % (where, name))
                if parts[1] == "HELP":
                    if name in helps:
                        raise FormatError("%s: second HELP for %s" % (where, name))
                    doc = parts[3] if len(parts) > 3 else ""
                    if re.search(r"\\[^\\n]", doc.replace("\\\\", "")):
                        raise FormatError("%s: HELP of %s: bad escape" % (where, name))
                    helps[name] = doc
                else:
                    t = parts[3] if len(parts) > 3 else ""
                    if t not in TYPES:
                        raise FormatError("%s: unknown type %r" % (where, t))
                    if name in types:
                        raise FormatError("%s: second TYPE for %s" % (where, name))
                    if name in seen_samples:
                        raise FormatError("%s: TYPE for %s after its samples" % (where, name))
                    types[name] = t
            continue
        if line.strip() == "":
            continue
        m = NAME.match(line)
        if not m:
            raise FormatError("%s: bad metric name" % where)
        name = m.group(0)
        i = m.end()
        labels = ()
        if i < len(line) and line[i] == "{":
            labels, i = _labels(line, i, where)
        rest = line[i:]
        if not rest.startswith(" "):
            raise FormatError("%s: expected a space before the value" % where)
        fields = rest.split()
        if len(fields) not in (1, 2):
            raise FormatError("%s: expected a value and an optional timestamp" % where)
        value = _value(fields[0], where)
        fam = _family(name, types)
        if fam != current:
            if fam in done or fam in seen_samples:
                raise FormatError("%s: samples of %s are not together" % (where, fam))
            if current is not None:
                done.add(current)
            current = fam
        seen_samples.add(fam)
        if types.get(fam) == "counter" and not value >= 0:
            raise FormatError("%s: counter %s is %s" % (where, name, fields[0]))
        key = (name, tuple(sorted(labels)))
        if key in samples:
            raise FormatError("%s: series %s%s twice" % (where, name, dict(labels)))
        samples[key] = value
    _histograms(samples, types)
    return samples


def _histograms(samples, types):
    for fam, t in types.items():
        if t != "histogram":
            continue
        series = {}
        for (name, labels), v in samples.items():
            if name == fam + "_bucket":
                d = dict(labels)
                if "le" not in d:
                    raise FormatError("%s_bucket without le" % fam)
                le = d.pop("le")
                series.setdefault(tuple(sorted(d.items())), []).append((_value(le, fam), v))
        for rest, buckets in series.items():
            buckets.sort()
            counts = [c for _, c in buckets]
            if counts != sorted(counts):
                raise FormatError("%s%s: bucket counts go down" % (fam, dict(rest)))
            if not buckets or buckets[-1][0] != math.inf:
                raise FormatError("%s%s: no le=\"+Inf\" bucket" % (fam, dict(rest)))
            count = samples.get((fam + "_count", rest))
            if count is None or (fam + "_sum", rest) not in samples:
                raise FormatError("%s%s: _count or _sum missing" % (fam, dict(rest)))
            if count != buckets[-1][1]:
                raise FormatError("%s%s: _count %s is not the +Inf bucket %s"
                                  % (fam, dict(rest), count, buckets[-1][1]))


def value(samples, name, **labels):
    """The value of name{labels}, or None."""
    return samples.get((name, tuple(sorted(labels.items()))))


if __name__ == "__main__":
    with open(sys.argv[1], "rb") as f:
        print(len(parse(f.read())))
