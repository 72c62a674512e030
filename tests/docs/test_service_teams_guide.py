"""docs/service-teams.md shows complete example files for a new service: they must load with every
environment beside the shipped services and render, as `make check-service` would check them."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

from config.loader import SERVICES_DIR, environment_names
from scripts.check_service import check_service, kinds
from tests.conftest import REPO_ROOT

GUIDE = REPO_ROOT / "docs" / "service-teams.md"


def example_files() -> dict[str, str]:
    """Each ```yaml block whose first line is `# services/<name>/<file>`: that file's text."""
    blocks = re.findall(r"```yaml\n(.*?)```", GUIDE.read_text(), flags=re.DOTALL)
    files = {}
    for block in blocks:
        first = block.splitlines()[0]
        named = re.fullmatch(r"# (services/[a-z0-9-]+/[a-z.-]+\.yaml)", first)
        if named:
            files[named.group(1)] = block
    return files


def test_the_guides_example_service_loads_and_renders_everywhere(tmp_path: Path) -> None:
    files = example_files()
    assert sorted(Path(path).name for path in files) == ["service.yaml", "values-dev.yaml", "values-prod.yaml", "values.yaml"]
    services = tmp_path / "services"
    shutil.copytree(SERVICES_DIR, services)
    for path, text in files.items():
        target = services / Path(path).relative_to("services")
        target.parent.mkdir(exist_ok=True)
        target.write_text(text)
        assert isinstance(yaml.safe_load(text), dict)
    (name,) = {Path(path).parts[1] for path in files}
    for environment in environment_names():
        manifests = check_service(name, environment, services)
        assert {"Deployment", "Service", "Ingress"} <= set(kinds(manifests)), environment
