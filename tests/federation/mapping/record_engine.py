"""Records upstream's answer for every case of engine_cases.json: the mapping validated by
`validate_mapping_structure` and processed by the processor of its schema version (1.0
RuleProcessor, 2.0 RuleProcessorToHonorDomainOption, 3.0 RuleProcessorForProjectJsonAttribute),
as the `mapped` auth plugin does; keystone-manage's CLI always uses the 1.0 processor, so these
are checked through the library (tests/api/mapping_engine.rs).

Usage: ~/.cache/keystone-lite/client-venv/bin/python tests/federation/mapping/record_engine.py [--check]
"""

import json
import os
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, 'engine_cases.json')


def run(case):
    from keystone.federation import utils
    mapping = dict(case['mapping'], schema_version=case['version'])
    try:
        utils.validate_mapping_structure(mapping)
        processor = utils.IDP_ATTRIBUTE_MAPPING_SCHEMAS[case['version']]['processor']
        result = processor('mapping-id', mapping['rules']).process(dict(case['assertion']))
        return {'result': result}
    except Exception as e:
        kind = traceback.format_exception_only(type(e), e)[-1].split(':')[0]
        return {'error': {'class': kind, 'message': str(e)}}


def main():
    import keystone.conf
    keystone.conf.configure()
    # validate_mapping_structure reads [federation]'s default schema version eagerly.
    keystone.conf.CONF(args=[], project='keystone', default_config_files=[])
    with open(CASES, encoding='utf-8') as f:
        cases = json.load(f)
    if '--check' in sys.argv:
        bad = [c['name'] for c in cases if run(c) != c.get('expect')]
        print(f'{len(cases) - len(bad)}/{len(cases)} engine cases equal the recording {bad}')
        sys.exit(1 if bad else 0)
    for case in cases:
        case['expect'] = run(case)
    with open(CASES, 'w', encoding='utf-8') as f:
        json.dump(cases, f, indent=1, ensure_ascii=False)
        f.write('\n')
    print(f'recorded {len(cases)} engine cases')


if __name__ == '__main__':
    main()
