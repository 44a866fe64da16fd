"""Bundled policies and schemas are found at run time, from a checkout or an installed wheel."""

from pathlib import Path

import reviewrules
from reviewrules._resources import policies_dir, schemas_dir

ROOT = Path(__file__).parent.parent


def test_the_bundled_files_found_at_run_time_are_the_repositorys():
    for found, repo, pattern in ((policies_dir(), ROOT / "policies", "*.yaml"), (schemas_dir(), ROOT / "schemas", "*.json")):
        names = sorted(p.name for p in found.glob(pattern))
        assert names == sorted(p.name for p in repo.glob(pattern))
        for name in names:
            assert (found / name).read_bytes() == (repo / name).read_bytes(), name


def test_an_installed_package_carries_its_own_policies_and_schemas():
    package = Path(reviewrules.__file__).resolve().parent
    if package.parent == ROOT.resolve():
        # Running from the checkout: the files sit beside the package.
        assert policies_dir() == ROOT.resolve() / "policies"
    else:
        assert policies_dir() == package / "policies"
        assert schemas_dir() == package / "schemas"
