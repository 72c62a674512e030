"""Import only the provider resources a stack uses, not the whole generated package.

The prebuilt cdktf provider packages import every one of their submodules from the
package `__init__` (about 1,500 for AWS: 14 of the 18 seconds an AWS import costs here).
The submodules themselves need only the package's `_jsii` module, which loads the jsii
assembly. Registering a bare package object first makes `import pkg.eks_cluster` load
`pkg._jsii` and that one submodule. Types still register with jsii as their modules are
imported, so a stack must import the modules of every type it creates, which it does anyway.

Measured by `bench/run.py`; see docs/performance.md.
"""

from __future__ import annotations

import importlib.util
import sys
import types

PROVIDER_PACKAGES = ("cdktf_cdktf_provider_aws", "cdktf_cdktf_provider_kubernetes", "cdktf_cdktf_provider_helm")


def install(package: str) -> None:
    """Make `package`'s submodules importable without running the package's `__init__`."""
    if package in sys.modules:
        return
    spec = importlib.util.find_spec(package)
    if spec is None or spec.submodule_search_locations is None:
        raise ModuleNotFoundError(f"{package} is not installed; run `make setup`", name=package)
    module = types.ModuleType(package)
    module.__path__ = list(spec.submodule_search_locations)
    module.__spec__ = spec
    module.__file__ = spec.origin
    module.__package__ = package
    sys.modules[package] = module


def install_all() -> None:
    for package in PROVIDER_PACKAGES:
        install(package)
