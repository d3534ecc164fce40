"""Runs one mapping-engine case (tests/federation/mapping/cases.json) through upstream's
keystone-manage mapping_engine (in-process, or as the real CLI) or our binary, and reduces the
output to what must be equal: stdout without oslo.log's time/pid prefix, Python traceback lines
and DEBUG lines; the exit status; stderr's last line for a SystemExit."""

import contextlib
import io
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import traceback

PREFIX = re.compile(r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \d+ ')
HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, 'cases.json')
VENV = os.path.expanduser('~/.cache/keystone-lite/client-venv')


def load_cases():
    with open(CASES, encoding='utf-8') as f:
        return json.load(f)


def materialize(case, workdir):
    """Writes the case's files into workdir; the argv after `mapping_engine`."""
    if not case.get('rules_missing'):
        text = case.get('rules_text')
        if text is None:
            text = json.dumps(case['rules'], ensure_ascii=False)
        with open(os.path.join(workdir, 'rules.json'), 'w', encoding='utf-8') as f:
            f.write(text)
    if not case.get('input_missing'):
        with open(os.path.join(workdir, 'input.txt'), 'w', encoding='utf-8', newline='') as f:
            f.write(case['input'])
    argv = ['--rules', 'rules.json', '--input', 'input.txt']
    if case.get('prefix'):
        argv += ['--prefix', case['prefix']]
    if case.get('debug'):
        argv += ['--engine-debug']
    if case.get('version'):
        argv += ['--mapping-schema-version', case['version']]
    return argv


def normalize(stdout, stderr, code):
    lines = []
    for line in stdout.splitlines():
        line = PREFIX.sub('', line)
        if line.startswith('ERROR keystone') or line.startswith('DEBUG ') or not line.strip():
            continue
        lines.append(line)
    result = {'stdout': lines, 'exit': code}
    if code != 0 and not any('Unhandled error' in line for line in lines):
        tail = [line for line in stderr.splitlines() if line.strip()]
        result['stderr'] = tail[-1] if tail else ''
    return result


def canonical(value):
    if isinstance(value, list):
        return sorted((canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    return value


def comparable(observed, case):
    """What is compared: set-ordered lists sorted for `unordered` cases (Python's set order
    follows per-process string hashes), and for `loose` parts only the text up to ': '."""
    out = dict(observed)
    lines = list(out['stdout'])
    if case.get('unordered') and '{' in lines:
        start = lines.index('{')
        lines = lines[:start] + [json.dumps(canonical(json.loads('\n'.join(lines[start:]))))]
    loose = case.get('loose', [])
    if 'critical_message' in loose:
        lines = [l.split(': ')[0] + ': ' + l.split(': ')[1] if 'Unhandled error' in l else l
                 for l in lines]
    if 'stderr' in loose and 'stderr' in out:
        out['stderr'] = out['stderr'].split(': ')[0]
    out['stdout'] = lines
    return out


def run_upstream_inprocess(case):
    from keystone.cmd import cli
    with tempfile.TemporaryDirectory() as workdir:
        argv = materialize(case, workdir)
        cwd = os.getcwd()
        os.chdir(workdir)
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                cli.CONF.reset()
                cli.CONF.clear()
                # --engine-debug sets keystone.cmd.cli's logger to DEBUG and nothing resets it
                # within one process; a fresh keystone-manage starts with it unset.
                logging.getLogger('keystone.cmd.cli').setLevel(logging.NOTSET)
                try:
                    cli.main(argv=['keystone-manage', 'mapping_engine', *argv])
                    code = 0
                except SystemExit as e:
                    if isinstance(e.code, str):
                        print(e.code, file=sys.stderr)
                        code = 1
                    else:
                        code = e.code or 0
                except Exception as e:  # what oslo.log's excepthook logs CRITICAL
                    line = traceback.format_exception_only(type(e), e)[-1].rstrip('\n')
                    print('CRITICAL keystone [-] Unhandled error: ' + line)
                    code = 1
        finally:
            os.chdir(cwd)
    return normalize(out.getvalue(), err.getvalue(), code)


def run_process(cmd, case):
    with tempfile.TemporaryDirectory() as workdir:
        argv = materialize(case, workdir)
        env = dict(os.environ, PYTHONUNBUFFERED='1')
        p = subprocess.run(cmd + argv, cwd=workdir, capture_output=True, env=env, timeout=120)
    return normalize(p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace'),
                     p.returncode)


def run_upstream_cli(case):
    return run_process([os.path.join(VENV, 'bin', 'keystone-manage'), 'mapping_engine'], case)


def run_ours(binary, case):
    return run_process([binary, 'mapping-engine'], case)
