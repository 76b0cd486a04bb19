"""The classifier's settings are listed once, as the dataclass's fields; the schema agrees with them."""

import subprocess
import sys

from gan_bench import schema
from gan_bench.metrics import commands
from gan_bench.metrics.classifier_settings import CAS_KEYS, KEYS, CasRecipe, ClassifierSettings


def test_the_schema_classifier_section_holds_exactly_the_settings_fields():
    assert tuple(schema.section_schema("classifier")["properties"]) == KEYS


def test_the_train_classifier_command_takes_exactly_those_keys():
    assert commands.CLASSIFIER_KEYS == KEYS
    assert ClassifierSettings(**schema.defaults("classifier")) == ClassifierSettings()


def test_the_settings_import_no_torch():
    code = "import sys, gan_bench.metrics.classifier_settings; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_cas_recipe_is_the_metrics_sections_cas_keys_with_their_defaults():
    metrics = schema.defaults("metrics")
    assert set(CAS_KEYS) <= set(metrics) and set(CAS_KEYS) <= set(commands.EVALUATE_KEYS)
    assert CasRecipe() == CasRecipe.from_settings(metrics)
    assert CasRecipe(30, 32, 0.003).record() == {"cas_train_steps": 30, "cas_batch_size": 32, "cas_lr": 0.003}
