#!/usr/bin/env python3
"""Writes a large keystone-lite seed for `make bench` (stdlib only).

  gen_seed.py OUT.yaml [--users 100000] [--projects 10000] [--assignments 200000]

The demo seed's admin (adminpwd) and roles come first, so the bench scenarios work
unchanged; then N projects, N users (pre-hashed: one pbkdf2_sha512 hash of 'benchpwd',
computed once, as an import from an existing Keystone would carry hashes) and N
role assignments of users on projects.
"""
import argparse
import base64
import hashlib
import os


def pbkdf2_hash(password, rounds=25000):
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, rounds, 64)
    b64 = lambda b: base64.b64encode(b).decode().rstrip("=")
    return f"$pbkdf2-sha512${rounds}${b64(salt)}${b64(digest)}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--projects", type=int, default=10_000)
    ap.add_argument("--assignments", type=int, default=200_000)
    a = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    demo = open(os.path.join(here, "..", "..", "seed", "demo.yaml")).read()
    hashed = pbkdf2_hash("benchpwd")
    roles = ["reader", "member", "manager"]
    with open(a.out, "w") as f:
        f.write(demo.replace("projects:\n", "projects:\n" + "".join(
            f"  - {{name: p{i:05d}}}\n" for i in range(a.projects)), 1)
                .replace("users:\n", "users:\n" + "".join(
            f"  - {{name: u{i:06d}, password_hash: '{hashed}'}}\n" for i in range(a.users)), 1)
                .replace("assignments:\n", "assignments:\n" + "".join(
            f"  - {{user: u{i % a.users:06d}, role: {roles[i % 3]}, project: p{(i * 7919) % a.projects:05d}}}\n"
            for i in range(a.assignments)), 1))


if __name__ == "__main__":
    main()
