#!/usr/bin/env python3
"""Text-aware mutants of the generated ambiguous messages, for the parser
differential test: the mutations that found the ripmime readings sluice now
reads (a stray CR, LF, form feed, quote, parenthesis or dash; a few bytes
cut; a line duplicated, dropped, swapped with another or case-flipped; a
header line of another case spliced in; LF and CRLF swapped). Deterministic
for a seed, so that a CI run and a developer's run see the same messages;
the fuzzers supply the randomness.

    mutate_ambiguous.py DIR N [SEED]        writes DIR/mNNNNNN.eml
    import mutate_ambiguous; mutate_ambiguous.mutants(N, SEED) -> [(name, bytes)]
"""

import os
import random
import sys

import gen_ambiguous

INSERTS = [b"\r", b"\n", b" ", b"\t", b";", b'"', b"'", b"(", b")", b"=", b"-", b"--", b"\f", b"\v",
           b"\0", b"*", b"\r\n", b"\n\n", b":", b"/", b",", b"\\", b"=?", b"?=", b"%", b"."]


def _mutate(rnd, d, pool):
    for _ in range(rnd.randint(1, 3)):
        if not d:
            break
        r = rnd.random()
        i = rnd.randrange(len(d))
        lines = d.split(b"\n")
        j = rnd.randrange(len(lines))
        if r < 0.25:
            d = d[:i] + rnd.choice(INSERTS) + d[i:]
        elif r < 0.45:
            d = d[:i] + d[i + rnd.randint(1, 4):]
        elif r < 0.55:
            lines.insert(j, lines[rnd.randrange(len(lines))])
        elif r < 0.65:
            del lines[j]
        elif r < 0.72:
            lines[j] = lines[j].swapcase()
        elif r < 0.8:
            lines[j] += rnd.choice([b" ", b"\t", b"\r", b";", b"\f"])
        elif r < 0.88:
            k = rnd.randrange(len(lines))
            lines[j], lines[k] = lines[k], lines[j]
        elif r < 0.94:
            fields = [x for x in rnd.choice(pool).split(b"\n")[:40] if b":" in x]
            if fields:
                lines.insert(j, rnd.choice(fields))
        else:
            d = d.replace(b"\r\n", b"\n") if rnd.random() < 0.5 else d.replace(b"\n", b"\r\n")
            continue
        if r >= 0.45:
            d = b"\n".join(lines)
    return d


def mutants(n, seed=1):
    """[(name, bytes)]: n mutants of the attack cases (controls are left out:
    a mutated control is no longer known to be clean)."""
    cases = [(name, data) for name, kind, data in gen_ambiguous.cases() if kind != "control"]
    pool = [data for _, data in cases]
    rnd = random.Random(seed)
    out = []
    for k in range(n):
        name, data = rnd.choice(cases)
        out.append(("m%06d_%s" % (k, name), _mutate(rnd, data, pool)))
    return out


def main(argv):
    if len(argv) not in (2, 3):
        print("usage: mutate_ambiguous.py DIR N [SEED]", file=sys.stderr)
        return 2
    os.makedirs(argv[0], exist_ok=True)
    for name, data in mutants(int(argv[1]), int(argv[2]) if len(argv) == 3 else 1):
        with open(os.path.join(argv[0], name + ".eml"), "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
