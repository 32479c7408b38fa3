"""The shipped stubs match the module: every class and member the .pyi
declares exists in _hemsrig, and every public class of _hemsrig is stubbed."""

import ast
from pathlib import Path

import hemsrig
from hemsrig import _hemsrig


def stub_tree():
    path = Path(hemsrig.__file__).with_name("_hemsrig.pyi")
    return ast.parse(path.read_text())


def test_every_stubbed_name_exists_in_the_module():
    missing = []
    for node in stub_tree().body:
        if isinstance(node, ast.ClassDef):
            cls = getattr(_hemsrig, node.name, None)
            if cls is None:
                missing.append(node.name)
                continue
            for item in node.body:
                name = (item.name if isinstance(item, ast.FunctionDef) else
                        item.target.id if isinstance(item, ast.AnnAssign) else None)
                if name and not hasattr(cls, name):
                    missing.append(f"{node.name}.{name}")
        elif isinstance(node, ast.FunctionDef) and not hasattr(_hemsrig, node.name):
            missing.append(node.name)
    assert not missing


def test_every_public_class_is_stubbed():
    stubbed = {n.name for n in stub_tree().body if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    public = {n for n in dir(_hemsrig) if not n.startswith("_")}
    assert public <= stubbed, public - stubbed
    assert (Path(hemsrig.__file__).parent / "py.typed").exists()
