"""In this repository, `pytest --plan PLAN.json` (or --tf-dir) runs only the policy tests."""
from pathlib import Path

TESTS = Path(__file__).parent / "tests"


def pytest_ignore_collect(collection_path, config):
    if (config.getoption("plan") or config.getoption("tf_dir")) and TESTS in (collection_path, *collection_path.parents):
        return True
    return None
