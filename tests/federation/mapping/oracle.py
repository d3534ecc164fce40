"""Re-runs upstream's mapping engine live (keystone-manage's MappingEngineTester, in-process) on
every case of cases.json and compares its answer with our binary's `mapping-engine`, and with
the recorded one (so the recordings are upstream's). Exit 1 on any mismatch.

Usage: ~/.cache/keystone-lite/client-venv/bin/python tests/federation/mapping/oracle.py BINARY
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def main():
    binary = os.path.abspath(sys.argv[1])
    cases = harness.load_cases()
    equal = 0
    for case in cases:
        upstream = harness.comparable(harness.run_upstream_inprocess(case), case)
        ours = harness.comparable(harness.run_ours(binary, case), case)
        recorded = harness.comparable(case.get('expect', {}), case)
        if upstream == ours == recorded:
            equal += 1
            continue
        print(f"MISMATCH {case['name']}")
        for label, got in (('upstream', upstream), ('ours', ours), ('recorded', recorded)):
            print(f'  {label}: {got}')
    print(f'mapping engine oracle: {equal}/{len(cases)} cases equal')
    sys.exit(0 if equal == len(cases) else 1)


if __name__ == '__main__':
    main()
