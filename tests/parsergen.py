"""python-hcl2's parser as accountguard ships it (accountguard/sources/hcl/grammar.py).

`python tests/parsergen.py` builds it with the installed python-hcl2 and lark and
writes accountguard/data/hcl_parser.pickle.gz; run it when either changes. The test
suite builds it afresh and compares.
"""
from pathlib import Path

import lark

from accountguard.sources.hcl import grammar

TARGET = Path(__file__).resolve().parent.parent / "accountguard" / grammar.SNAPSHOT

if __name__ == "__main__":
    TARGET.write_bytes(grammar.pack(grammar.build()))
    print(f"{TARGET.relative_to(Path.cwd())}: lark {lark.__version__}")
