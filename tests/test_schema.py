"""The schema read with libyaml's parser is the schema PyYAML's own safe parser reads."""

import yaml

from gan_bench import schema


def test_the_fast_parser_reads_the_same_schema():
    assert schema._schema() == yaml.safe_load(schema.SCHEMA_PATH.read_text())
    assert schema.default("report", "title") == yaml.safe_load(schema.SCHEMA_PATH.read_text())[
        "properties"]["report"]["properties"]["title"]["default"]
