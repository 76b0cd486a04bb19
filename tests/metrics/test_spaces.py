"""The feature spaces and the classifier's keys are each listed once; what cannot import them agrees with them."""

import re
from pathlib import Path

from gan_bench import schema
from gan_bench.metrics import registry, spaces
from gan_bench.metrics.classifier_settings import KEYS as CLASSIFIER_KEYS
from gan_bench.report import tables

RULES = Path(__file__).resolve().parents[2] / "workflow" / "rules"


def test_the_schema_offers_exactly_the_spaces_of_the_table():
    node = schema.section_schema("metrics")["properties"]["feature_spaces"]
    assert tuple(node["items"]["enum"]) == spaces.NAMES
    assert set(node["default"]) <= set(spaces.NAMES)


def test_the_schema_classifier_section_holds_exactly_the_settings_fields():
    assert tuple(schema.section_schema("classifier")["properties"]) == CLASSIFIER_KEYS


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
