"""Records upstream's answer for every case of cases.json (its `expect`), by running
keystone-manage's MappingEngineTester in-process (one Python start for all cases). `--prove N`
also runs the first N cases (and every error kind) through the real keystone-manage CLI and
fails if in-process and CLI answers differ.

Usage: ~/.cache/keystone-lite/client-venv/bin/python tests/federation/mapping/record.py [--prove N]
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def main():
    # Python's set order follows string hashes: a fixed seed makes re-recording reproducible
    # (the `unordered` cases compare sorted anyway).
    if os.environ.get('PYTHONHASHSEED') != '0':
        os.environ['PYTHONHASHSEED'] = '0'
        os.execv(sys.executable, [sys.executable, *sys.argv])
    cases = harness.load_cases()
    for case in cases:
        case['expect'] = harness.run_upstream_inprocess(case)
    with open(harness.CASES, 'w', encoding='utf-8') as f:
        json.dump(cases, f, indent=1, ensure_ascii=False)
        f.write('\n')
    print(f'recorded {len(cases)} cases')
    if '--prove' in sys.argv:
        limit = int(sys.argv[sys.argv.index('--prove') + 1])
        chosen = cases[:limit] + [c for c in cases[limit:] if c['expect']['exit'] != 0][:limit]
        bad = 0
        for case in chosen:
            cli = harness.comparable(harness.run_upstream_cli(case), case)
            inproc = harness.comparable(case['expect'], case)
            if cli != inproc:
                bad += 1
                print(f"DIFF {case['name']}\n cli:    {cli}\n inproc: {inproc}")
        print(f'{len(chosen) - bad}/{len(chosen)} real CLI runs equal the in-process recording')
        sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
