"""The README and docs stand on their own in a clone: what they cite (the design, the contract)
is in docs/, and no link or path leads outside the repository."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_the_design_and_the_contract_are_in_docs():
    design = (ROOT / "docs/design.md").read_text()
    contract = (ROOT / "docs/contract.md").read_text()
    assert design.startswith("# Hearth — design") and "## 3. Scheduling" in design
    assert contract.startswith("# Hearth — external contract")
    assert "`POST /api/v1/auth/register/`" in contract


def test_no_doc_points_outside_the_repository():
    for doc in DOCS:
        text = doc.read_text()
        assert "../shared" not in text and "/work/" not in text, doc.name
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):  # markdown links
            if re.match(r"[a-z]+:", target):
                continue  # http:, https:, mailto:
            assert (doc.parent / target).resolve().is_relative_to(ROOT), (doc.name, target)
            assert (doc.parent / target).exists(), (doc.name, target)
