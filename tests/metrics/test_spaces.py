"""The feature spaces are listed once (metrics/spaces.py); what cannot import the table agrees with it."""

import re
import subprocess
import sys
from pathlib import Path

from gan_bench import schema
from gan_bench.metrics import registry, spaces
from gan_bench.report import tables

RULES = Path(__file__).resolve().parents[2] / "workflow" / "rules"


def test_the_schema_offers_exactly_the_spaces_of_the_table():
    node = schema.section_schema("metrics")["properties"]["feature_spaces"]
    assert tuple(node["items"]["enum"]) == spaces.NAMES
    assert set(node["default"]) <= set(spaces.NAMES)


def test_registry_and_report_read_the_spaces_from_the_table():
    assert registry.SPACES == spaces.NAMES
    assert list(tables.SPACES) == list(spaces.NAMES)
    assert [label for label in tables.SPACES.values()] == [space.label for space in spaces.TABLE.values()]


def test_no_rule_file_spells_the_spaces_out():
    for rule_file in RULES.glob("*.smk"):
        assert not re.search(r'space\s*=\s*"domain\|inception"', rule_file.read_text()), rule_file.name


def test_the_space_pattern_matches_a_space_name_and_nothing_else():
    pattern = re.compile(spaces.PATTERN)
    assert all(pattern.fullmatch(name) for name in spaces.NAMES)
    assert not pattern.fullmatch("domain-n500") and not pattern.fullmatch("")


def test_the_spaces_table_imports_no_torch():
    code = "import sys, gan_bench.metrics.spaces; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
