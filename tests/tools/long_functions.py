#!/usr/bin/env python3
"""List Rust functions longer than a limit (default 80 lines), and files longer
than a file limit (default 600 lines).

Brace matching on source with strings, chars and comments blanked out, so a
brace inside a string or comment does not end a function early. Good enough for
a layout check; not a Rust parser.

usage: tests/tools/long_functions.py [--max-fn 80] [--max-file 600] [paths...]
       tests/tools/long_functions.py --self-test
Exit status 1 when anything is over a limit, so it can gate a set of paths.
"""
import argparse
import os
import re
import sys

FN_RE = re.compile(r"\bfn\s+([A-Za-z_][A-Za-z0-9_]*)")


def blank_literals(src):
    """Replace comments, string and char literals with spaces, keeping newlines."""
    out = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        nxt = src[i + 1] if i + 1 < n else ""
        if c == "/" and nxt == "/":
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c == "/" and nxt == "*":
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif src.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif c == "r" and re.match(r'r#*"', src[i:i + 260]) and not (i and (src[i - 1].isalnum() or src[i - 1] == "_")):
            hashes = re.match(r"r(#*)\"", src[i:]).group(1)
            end = src.find('"' + hashes, i + 2 + len(hashes))
            end = n if end < 0 else end + 1 + len(hashes)
            out.append(re.sub(r"[^\n]", " ", src[i:end]))
            i = end
        elif c == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            out.append(re.sub(r"[^\n]", " ", src[i:j + 1]))
            i = j + 1
        elif c == "'":
            # char literal ('a', '\n', '\u{..}') vs lifetime ('a)
            m = re.match(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'", src[i:i + 12])
            if m:
                out.append(" " * len(m.group(0)))
                i += len(m.group(0))
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(src):
    """Yield (name, start_line, line_count) for every fn with a body."""
    clean = blank_literals(src)
    for m in FN_RE.finditer(clean):
        # the body starts at the first '{' not preceded by ';' (a declaration)
        j = m.end()
        depth_paren = 0
        while j < len(clean):
            ch = clean[j]
            if ch in "([<":
                depth_paren += 1
            elif ch in ")]>":
                depth_paren -= 1
            elif ch == ";" and depth_paren <= 0:
                j = -1
                break
            elif ch == "{" and depth_paren <= 0:
                break
            j += 1
        if j < 0 or j >= len(clean):
            continue
        depth, k = 0, j
        while k < len(clean):
            if clean[k] == "{":
                depth += 1
            elif clean[k] == "}":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        start = clean.count("\n", 0, m.start()) + 1
        end = clean.count("\n", 0, k) + 1
        yield m.group(1), start, end - start + 1


def rust_files(paths):
    for p in paths:
        if os.path.isfile(p):
            yield p
        for root, dirs, files in os.walk(p):
            dirs[:] = [d for d in dirs if d not in ("target", ".git")]
            for f in sorted(files):
                if f.endswith(".rs"):
                    yield os.path.join(root, f)


SELF_TEST = r'''
fn short() {
    let s = "}}}";
    let r = r#"{ "x": "}" }"#;
    let c = '}';
    // }
    /* } /* nested } */ } */
    let l: &'static str = "a";
}

fn declared_only(x: u32) -> u32;

fn long<T: Fn() -> u32>(f: T) -> Result<Vec<u32>, ()> {
    let v = vec![f()];
    {
        let inner = || { 1 };
    }
    Ok(v)
}
'''


def self_test():
    """The brace matcher against the cases that fool a naive one."""
    got = {name: (start, count) for name, start, count in functions(SELF_TEST)}
    want = {"short": (2, 8), "long": (13, 7)}
    # `inner` is a closure, not a fn; `declared_only` has no body.
    assert got == want, f"{got} != {want}"
    print("self-test ok")
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-fn", type=int, default=80)
    ap.add_argument("--max-file", type=int, default=600)
    ap.add_argument("paths", nargs="*", default=["src", "tests"])
    args = ap.parse_args()
    found = 0
    for path in rust_files(args.paths):
        with open(path, encoding="utf-8") as f:
            src = f.read()
        lines = src.count("\n")
        if lines > args.max_file:
            print(f"FILE {path}: {lines} lines")
            found += 1
        for name, start, count in functions(src):
            if count > args.max_fn:
                print(f"FN   {path}:{start} {name}: {count} lines")
                found += 1
    print(f"{found} over the limits (fn > {args.max_fn}, file > {args.max_file})", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
