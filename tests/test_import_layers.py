"""The services import each other in one direction only: no cycle between them, counting
the imports written inside functions too (those were how cycles used to be hidden).

Blueprint packages and their routes (``bp`` defined in __init__, routes importing it) are
Flask's own pattern and not services; they are not checked here."""
import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _modules():
    found = {}
    for path in (ROOT / "app").rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def _imports(modules):
    graph = defaultdict(set)
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                targets = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
                           for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def _cycles(graph, prefix):
    """Strongly connected components of more than one module among those under ``prefix``."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if not other.startswith(prefix):
                continue
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node.startswith(prefix) and node not in index:
            visit(node)
    return found


def test_services_import_each_other_without_cycles():
    assert _cycles(_imports(_modules()), "app.services") == []


def test_the_check_finds_a_cycle():
    graph = {"app.services.a": {"app.services.b"}, "app.services.b": {"app.services.a"}, "app.x": {"app.services.a"}}
    assert _cycles(graph, "app.services") == [["app.services.a", "app.services.b"]]
