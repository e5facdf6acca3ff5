"""Package discovery: every package under accountguard/, plus the checkov checks,
which live at the top of the repository (policies/) and ship as accountguard.policies."""
from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["accountguard", "accountguard.*"]), "accountguard.policies"],
      package_dir={"accountguard.policies": "policies"})
