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
    # engine_cases.json (2.0/3.0 processors, checked against our library by cargo test):
    # upstream live must still give the recorded answers.
    import json
    import record_engine
    with open(record_engine.CASES, encoding='utf-8') as f:
        engine_cases = json.load(f)
    for case in engine_cases:
        if record_engine.run(case) == case['expect']:
            equal += 1
        else:
            print(f"MISMATCH engine case {case['name']}: upstream now {record_engine.run(case)}")
    total = len(cases) + len(engine_cases)
    print(f'mapping engine oracle: {equal}/{total} cases equal')
    sys.exit(0 if equal == total else 1)


if __name__ == '__main__':
    main()
