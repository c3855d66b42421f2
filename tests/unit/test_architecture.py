"""The package's shape: standard library only, one-way layers, a pinned public API."""

from __future__ import annotations

import ast
import re
import sys
import sysconfig
from pathlib import Path
from typing import AbstractSet, Dict, Iterator, List, Set, Tuple

import aurora

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "aurora"

# Lower number = lower layer.  A module may import its own layer or lower ones.
LAYERS = {
    "aurora.errors": 0,
    "aurora.types": 0,
    "aurora._types": 0,
    "aurora._version": 0,
    "aurora._log": 0,
    "aurora.config": 0,
    "aurora.core": 1,
    "aurora.transport": 2,
    "aurora.s3": 3,
    "aurora.transfer": 4,
    "aurora.drivers": 5,
    "aurora": 5,  # the package root re-exports the facade
    "aurora.cli": 6,
    "aurora.__main__": 6,
}


def _installed_stdlib() -> Set[str]:
    """Python 3.9 (CPython or PyPy) has no sys.stdlib_module_names: list the stdlib folder itself."""
    folder = Path(sysconfig.get_paths()["stdlib"])
    names = {path.stem for path in folder.glob("*.py")} | {path.name for path in folder.iterdir() if path.is_dir()}
    dynload = folder / "lib-dynload"
    if dynload.is_dir():
        names |= {path.name.split(".")[0] for path in dynload.iterdir()}
    return (names | set(sys.builtin_module_names)) - {"site-packages", "dist-packages"}


STDLIB = set(getattr(sys, "stdlib_module_names", ())) or _installed_stdlib()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(name: str) -> int:
    best = ""
    for prefix in LAYERS:
        if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > len(best):
            best = prefix
    return LAYERS[best]


def runtime_imports(tree: ast.Module, current: str) -> Iterator[Tuple[int, str]]:
    """Imports that run at import time (those under ``if TYPE_CHECKING:`` do not)."""
    skip: Set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
            skip.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    return every_import(tree, current, skip)


def every_import(tree: ast.Module, current: str, skip: AbstractSet[int] = frozenset()) -> Iterator[Tuple[int, str]]:
    """Every import statement of ``tree`` (type-checking ones included) but those in ``skip``."""
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = current.split(".")[: -node.level] if not current.endswith("__init__") else current.split(".")
                yield node.lineno, ".".join(base + ([node.module] if node.module else []))
            elif node.module:
                yield node.lineno, node.module


def all_modules() -> Iterator[Tuple[Path, str, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, module_name(path), ast.parse(path.read_text(encoding="utf-8"), str(path))


def test_every_module_imports_only_the_standard_library_or_aurora() -> None:
    # Type-checking imports count too: a vendored aurora/ must type-check with nothing else installed.
    bad: List[str] = []
    for path, name, tree in all_modules():
        for line, imported in every_import(tree, name):
            top = imported.split(".")[0]
            if top != "aurora" and top not in STDLIB:
                bad.append("%s:%d imports %s" % (path.relative_to(ROOT), line, imported))
    assert bad == []


def test_no_import_runs_upward_between_layers() -> None:
    bad: List[str] = []
    for path, name, tree in all_modules():
        own = layer_of(name)
        for line, imported in runtime_imports(tree, name):
            if imported.split(".")[0] == "aurora" and layer_of(imported) > own:
                bad.append(
                    "%s:%d (layer %d) imports %s (layer %d)"
                    % (path.relative_to(ROOT), line, own, imported, layer_of(imported))
                )
    assert bad == []


def test_the_checker_sees_an_upward_import() -> None:
    tree = ast.parse("from aurora.drivers.s3 import S3StorageDriver\n")
    imported = [name for _, name in runtime_imports(tree, "aurora.core.xml")]
    assert imported == ["aurora.drivers.s3"]
    assert layer_of(imported[0]) > layer_of("aurora.core.xml")


def test_typing_only_imports_are_allowed_upward() -> None:
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from aurora.drivers import base\n")
    assert [name for _, name in runtime_imports(tree, "aurora.core.x")] == ["typing"]


def below_the_facade(tree: ast.Module, name: str) -> Iterator[Tuple[int, str]]:
    """Where a CLI module reaches under the driver: an import of the S3 client, transport or
    transfer layers (or anything in aurora.drivers.s3 but the driver class), or any ``.client``."""
    for line, imported in runtime_imports(tree, name):
        if imported.split(".")[:2] in (["aurora", "s3"], ["aurora", "transport"], ["aurora", "transfer"]):
            yield line, "imports %s" % imported
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "client":
            yield node.lineno, "uses .client"


def test_the_cli_uses_only_the_drivers_public_methods() -> None:
    bad: List[str] = []
    for path, name, tree in all_modules():
        if layer_of(name) == LAYERS["aurora.cli"]:
            bad.extend("%s:%d %s" % (path.relative_to(ROOT), line, what) for line, what in below_the_facade(tree, name))
    assert bad == []


def test_the_facade_checker_sees_the_client_and_the_s3_layer() -> None:
    tree = ast.parse("from aurora.s3.client import S3Client\nsession.driver.client.delete_object('b', 'k')\n")
    assert [what for _, what in below_the_facade(tree, "aurora.cli.x")] == [
        "imports aurora.s3.client",
        "uses .client",
    ]


def test_package_declares_no_dependencies() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "\ndependencies = []\n" in text


def test_py_typed_marker_is_shipped() -> None:
    assert (PACKAGE / "py.typed").exists()


def test_public_names_are_pinned() -> None:
    assert sorted(aurora.__all__) == sorted(
        [
            "AuroraError",
            "Config",
            "Container",
            "ContainerAlreadyExistsError",
            "ContainerDoesNotExistError",
            "ContainerError",
            "ContainerIsNotEmptyError",
            "InvalidArgumentError",
            "InvalidContainerNameError",
            "InvalidCredsError",
            "LibcloudError",
            "Object",
            "ObjectDoesNotExistError",
            "ObjectError",
            "ObjectHashMismatchError",
            "Provider",
            "RetryPolicy",
            "StorageDriver",
            "Timeouts",
            "TransferConfig",
            "TransferError",
            "TransportError",
            "get_driver",
            "__version__",
        ]
    )
    for name in aurora.__all__:
        assert hasattr(aurora, name), name


def test_provider_values_are_libclouds() -> None:
    assert aurora.Provider.AURORAOBJECTS == "auroraobjects"
    assert aurora.Provider.S3 == "s3"
    assert aurora.Provider.S3_RGW == "s3_rgw"
    assert aurora.Provider.MINIO == "minio"


def test_libcloud_error_is_the_root() -> None:
    assert aurora.LibcloudError is aurora.AuroraError
    for name in aurora.__all__:
        value = getattr(aurora, name)
        if isinstance(value, type) and issubclass(value, BaseException):
            assert issubclass(value, aurora.LibcloudError), name


# Test files that check the package as a whole rather than one module.
WHOLE_PACKAGE_TESTS = {"test_architecture.py"}


def unit_test_name(module: str) -> str:
    """The unit test file of a module: its dotted name under aurora with dots as underscores."""
    return "test_%s.py" % module[len("aurora.") :].replace(".", "_")


def test_unit_test_files_are_named_after_the_module_they_test() -> None:
    expected = {unit_test_name(name) for _, name, _ in all_modules() if name != "aurora"}
    present = {path.name for path in (ROOT / "tests" / "unit").glob("test_*.py")}
    strays = present - expected - WHOLE_PACKAGE_TESTS
    assert not strays, "unit test files that name no module (tests/unit/test_<package>_<module>.py): %s" % sorted(
        strays
    )


def test_test_file_names_are_unique_across_tiers() -> None:
    """pytest imports test modules by basename (no packages under tests/), so two tiers may not share one."""
    seen: Dict[str, List[str]] = {}
    for path in sorted((ROOT / "tests").glob("*/test_*.py")):
        seen.setdefault(path.name, []).append(path.parent.name)
    clashes = {name: tiers for name, tiers in seen.items() if len(tiers) > 1}
    assert not clashes, "test files with the same name in two tiers: %s" % clashes


def test_unit_test_names_follow_the_module_path() -> None:
    assert unit_test_name("aurora.core.signing_v4") == "test_core_signing_v4.py"
    assert unit_test_name("aurora.errors") == "test_errors.py"
    assert unit_test_name("aurora.transfer") == "test_transfer.py"


# -- one home per rule: each fact below is written out in one module and imported elsewhere --------

HOMES = {
    "presign limit": "aurora.core.limits",
    "presign methods": "aurora.core.limits",
    "addressing styles": "aurora.core.limits",
    "retryable codes": "aurora.errors",
    "type alias": "aurora._types",
}


def facts_written_out(tree: ast.Module) -> Iterator[Tuple[int, str]]:
    """(line, fact) for each literal in ``tree`` that spells out one of the facts of HOMES."""
    from aurora.core.limits import ADDRESSING_STYLES, MAX_PRESIGN_EXPIRES, PRESIGN_METHODS
    from aurora.errors import RETRYABLE_CODES

    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and type(node.value) is int and node.value == MAX_PRESIGN_EXPIRES:
            yield node.lineno, "presign limit"
        elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            strings = {elt.value for elt in node.elts if isinstance(elt, ast.Constant) and isinstance(elt.value, str)}
            if len(strings & set(ADDRESSING_STYLES)) >= 2:
                yield node.lineno, "addressing styles"
            if strings >= set(PRESIGN_METHODS):
                yield node.lineno, "presign methods"
            if len(strings & RETRYABLE_CODES) >= 2:
                yield node.lineno, "retryable codes"
        elif isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id in ("Body", "Progress") for target in node.targets
        ):
            yield node.lineno, "type alias"


def test_each_rule_is_written_out_in_its_home_only() -> None:
    strays = [
        "%s:%d writes out the %s (its home is %s)" % (path.relative_to(ROOT), line, fact, HOMES[fact])
        for path, name, tree in all_modules()
        for line, fact in facts_written_out(tree)
        if name != HOMES[fact]
    ]
    assert strays == []


def test_the_rule_checker_sees_a_second_home() -> None:
    second = ast.parse(
        'LIMIT = 604800\nSTYLES = ("virtual", "path")\nMETHODS = ["GET", "PUT", "DELETE", "HEAD"]\n'
        'CODES = frozenset({"SlowDown", "RequestTimeout"})\nProgress = object\n'
    )
    assert sorted(fact for _, fact in facts_written_out(second)) == sorted(HOMES)


# -- one version ------------------------------------------------------------------------------------


def test_the_version_is_written_once_and_read_everywhere() -> None:
    from aurora._version import __version__
    from aurora.s3.client import USER_AGENT

    assert aurora.__version__ == __version__
    assert "aurora/" + __version__ == USER_AGENT
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject
    assert 'version = {attr = "aurora._version.__version__"}' in pyproject
    releases = [line for line in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8").splitlines() if line[:4] == "## ["]
    assert releases[:2] == ["## [Unreleased]", "## [%s] - %s" % (__version__, releases[1].split(" - ")[-1])]


def test_the_licence_is_the_apache_license_the_package_declares() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text and "END OF TERMS AND CONDITIONS" in text
    assert 'license = {text = "Apache-2.0"}' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_make_help_lists_every_target() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.MULTILINE))
    documented = set(re.findall(r"^## ([a-z][a-z-]*):", makefile, re.MULTILINE))
    assert "help" in targets and targets == documented
