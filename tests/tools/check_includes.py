#!/usr/bin/python3
"""check_includes.py — the folders of src/ depend on each other one way, and three places agree.

    /usr/bin/python3 tests/tools/check_includes.py SOURCE_DIR     check the tree (CTest: check_includes)
    /usr/bin/python3 tests/tools/check_includes.py --self-test    show that each rule fails when broken

The graph is the nash_module() lines of src/CMakeLists.txt (one static library per folder and the
libraries it links; cli/ is the `nash` executable's target_link_libraries). Checked:
  1. the graph has no cycle, and every folder of src/ is in it;
  2. every #include "F/x.h" in src/G/ names a folder G reaches in the graph (or G itself);
  3. a header whose opening comment says "(private to F/)" is included only from src/F/ (tests may
     include anything);
  4. system headers stay in their folders: mpi.h in comm/, zmq.h in publish/ and monitor/, hdf5.h
     in store/ and data/, ini.h in config/, png.h and jpeglib.h in draw/ and image/, microhttpd.h in monitor/,
     oneDNN's dnnl.h in nn/;
  5. README.md's dependency list (the items "- `G` → `F`, ..." under "Repository layout") is the same
     graph, edge for edge.
Exits 1 and prints every violation, naming the file and line.
"""
import os
import re
import subprocess
import sys
import tempfile

SYSTEM_HOMES = {
    'mpi.h': {'comm'},
    'zmq.h': {'publish', 'monitor'},
    'hdf5.h': {'store', 'data'},
    'ini.h': {'config'},
    'png.h': {'draw', 'image'},
    'jpeglib.h': {'draw', 'image'},
    'microhttpd.h': {'monitor'},
    'dnnl.h': {'nn'},
}


def cmake_graph(src):
    text = open(os.path.join(src, 'CMakeLists.txt')).read()
    graph = {}
    for m in re.finditer(r'^nash_module\(nash_(\w+)\s+(\w+)([^)]*)\)', text, re.M):
        name, folder, deps = m.group(1), m.group(2), m.group(3)
        if name != folder:
            raise SystemExit(f'src/CMakeLists.txt: nash_{name} is built from {folder}/: name a library after its folder')
        graph[folder] = set(re.findall(r'\bnash_(\w+)', deps)) - {'hdf5', 'dnnl'}
    m = re.search(r'target_link_libraries\(nash PRIVATE([^)]*)\)', text)
    graph['cli'] = set(re.findall(r'\bnash_(\w+)', m.group(1))) if m else set()
    return graph


def readme_graph(readme):
    graph = {}
    text = open(readme).read()
    section = text[text.find('## Repository layout'):]
    for m in re.finditer(r'^(?:- )?`(\w+)` → (.+)$', section, re.M):
        graph[m.group(1)] = set(re.findall(r'`(\w+)`', m.group(2)))
    return graph


def reach(graph, start):
    seen, todo = set(), [start]
    while todo:
        for d in graph.get(todo.pop(), ()):
            if d not in seen:
                seen.add(d)
                todo.append(d)
    return seen


def private_owner(path):
    head = open(path, errors='replace').read(1200)
    comment = head[:head.find('*/')] if '*/' in head else head
    m = re.search(r'private to (\w+)/', comment.replace('\n *', ' '))
    return m.group(1) if m else None


def check(root):
    src = os.path.join(root, 'src')
    problems = []
    graph = cmake_graph(src)
    folders = sorted(d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d)))
    for d in folders:
        if d not in graph:
            problems.append(f'src/{d}/ is not a module of src/CMakeLists.txt')
    for d in graph:
        if d in reach(graph, d):
            problems.append(f'src/CMakeLists.txt: {d} depends on itself through {sorted(graph[d])}: a cycle')
    private = {}
    for d in folders:
        for f in os.listdir(os.path.join(src, d)):
            if f.endswith('.h'):
                owner = private_owner(os.path.join(src, d, f))
                if owner:
                    private[f'{d}/{f}'] = owner
    for d in folders:
        allowed = reach(graph, d) | {d}
        for f in sorted(os.listdir(os.path.join(src, d))):
            if not f.endswith(('.c', '.h')):
                continue
            rel = f'src/{d}/{f}'
            for n, line in enumerate(open(os.path.join(src, d, f), errors='replace'), 1):
                m = re.match(r'\s*#\s*include\s*([<"])([^>"]+)[>"]', line)
                if not m:
                    continue
                inc = m.group(2)
                if m.group(1) == '<':
                    homes = SYSTEM_HOMES.get(os.path.basename(inc))
                    if homes and d not in homes:
                        problems.append(f'{rel}:{n}: includes <{inc}>, which only {", ".join(sorted(homes))}/ may')
                    continue
                target = inc.split('/')[0] if '/' in inc else None
                if target is None or target not in folders:
                    continue  # generated headers (nash_commit.h) and the like
                if target not in allowed:
                    problems.append(f'{rel}:{n}: includes "{inc}", but {d}/ does not depend on {target}/ '
                                    f'(src/CMakeLists.txt: {d} -> {", ".join(sorted(graph.get(d, ()))) or "nothing"})')
                owner = private.get(inc)
                if owner and owner != d:
                    problems.append(f'{rel}:{n}: includes "{inc}", which is private to {owner}/')
    readme = readme_graph(os.path.join(root, 'README.md'))
    for d in sorted(set(graph) | set(readme)):
        a, b = graph.get(d, set()), readme.get(d, set())
        if a != b:
            problems.append(f'README.md says `{d}` → {sorted(b)} but src/CMakeLists.txt links {sorted(a)}')
    return problems


def self_test():
    """Each rule, broken once in a small tree, must be reported."""
    cmake = ('nash_module(nash_core core)\nnash_module(nash_nn nn nash_core)\n'
             'nash_module(nash_comm comm nash_nn)\ntarget_link_libraries(nash PRIVATE nash_comm)\n')
    readme = '## Repository layout\n\n`cli` → `comm`\n`comm` → `nn`\n`nn` → `core`\n`core` → \n'
    files = {'core/a.h': '/* a.h */\n', 'nn/b.h': '/* b.h (private to nn/) */\n#include "core/a.h"\n',
             'nn/b.c': '#include "nn/b.h"\n', 'comm/c.c': '#include <mpi.h>\n#include "nn/x.h"\n',
             'nn/x.h': '/* x.h */\n', 'cli/main.c': '#include "comm/c.h"\n', 'comm/c.h': '/* c.h */\n'}
    breaks = {
        'an include against the arrows': ('core/a.h', '#include "nn/x.h"\n', 'does not depend on nn/'),
        'a private header from another folder': ('comm/c.c', '#include "nn/b.h"\n', 'private to nn/'),
        'a system header out of its folder': ('nn/b.c', '#include <mpi.h>\n', 'which only comm/ may'),
        'README disagreeing with CMake': ('README.md', '## Repository layout\n\n`cli` → `comm`\n', 'README.md says'),
        'a cycle': ('src/CMakeLists.txt', cmake + 'nash_module(nash_core core nash_comm)\n', 'a cycle'),
    }
    failures = 0
    for what, (path, extra, expect) in [('nothing broken', (None, '', None))] + list(breaks.items()):
        with tempfile.TemporaryDirectory() as root:
            os.makedirs(os.path.join(root, 'src'))
            open(os.path.join(root, 'src', 'CMakeLists.txt'), 'w').write(cmake)
            open(os.path.join(root, 'README.md'), 'w').write(readme)
            for f, body in files.items():
                os.makedirs(os.path.join(root, 'src', os.path.dirname(f)), exist_ok=True)
                open(os.path.join(root, 'src', f), 'w').write(body)
            if path in ('README.md', 'src/CMakeLists.txt'):
                open(os.path.join(root, path), 'w').write(extra)
            elif path:
                open(os.path.join(root, 'src', path), 'a').write(extra)
            problems = check(root)
            ok = (not problems) if expect is None else any(expect in p for p in problems)
            print(f'{"ok  " if ok else "FAIL"} {what}: {problems[0] if problems else "no problem found"}')
            failures += not ok
    print(f'check_includes self-test: {len(breaks) + 1 - failures} passed, {failures} failed')
    return 1 if failures else 0


def main():
    if sys.argv[1:] == ['--self-test']:
        return self_test()
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    problems = check(sys.argv[1])
    for p in problems:
        print(p)
    graph = cmake_graph(os.path.join(sys.argv[1], 'src'))
    print(f'check_includes: {len(graph)} folders, {sum(len(v) for v in graph.values())} arrows, '
          f'{len(problems)} problem{"s" if len(problems) != 1 else ""}')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
