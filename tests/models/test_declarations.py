"""Model declarations: the torch-free facts the workflow reads, and the classes they name."""

import ast
from pathlib import Path

import pytest

from gan_bench.models import declarations
from gan_bench.models.base import DatasetInfo, GanModel, model_class
from gan_bench.models.cgan import MLPDiscriminator, MLPGenerator
from gan_bench.models.dcgan import DCGAN

MODELS_DIR = Path(declarations.__file__).parent


@pytest.mark.parametrize("name", declarations.model_names())
def test_each_class_answers_with_its_declarations_facts(name):
    declaration = declarations.model_declaration(name)
    cls = model_class(name)
    assert cls.declaration is declaration and cls.Config is declaration.options
    assert (cls.conditional, cls.labels_are_classes, cls.needs_pretraining) == (
        declaration.conditional, declaration.labels_are_classes, declaration.needs_pretraining)


def test_the_facts_the_workflow_reads():
    facts = {name: (d.conditional, d.needs_pretraining, d.options().image_size)
             for name, d in declarations.MODELS.items()}
    assert facts["dcgan"] == (False, False, 64) and facts["lsgan"] == (False, False, 64)
    assert facts["stackedgan"] == (True, True, 32) and facts["cgan"] == (True, False, 32)
    assert not declarations.INFOGAN.labels_are_classes  # its code is scored by purity, not as a class


@pytest.mark.parametrize("name", ["DCGAN", "1gan", "my-gan", ""])
def test_bad_names_are_refused(name, monkeypatch):
    monkeypatch.setattr(declarations, "MODELS", dict(declarations.MODELS))
    with pytest.raises(ValueError, match="must be lower-case"):
        declarations.declare(name, declarations.DCGANConfig, "gan_bench.models.dcgan:DCGAN")


def test_duplicates_and_malformed_paths_are_refused(monkeypatch):
    monkeypatch.setattr(declarations, "MODELS", dict(declarations.MODELS))
    with pytest.raises(ValueError, match="registered already"):
        declarations.declare("dcgan", declarations.DCGANConfig, "gan_bench.models.dcgan:DCGAN")
    with pytest.raises(ValueError, match="must look like 'package.module:Class'"):
        declarations.declare("dcgan2", declarations.DCGANConfig, "gan_bench.models.dcgan.DCGAN")


def test_a_class_that_is_not_a_gan_model_is_refused(monkeypatch):
    monkeypatch.setattr(declarations, "MODELS", dict(declarations.MODELS))
    declarations.declare("not_a_gan", declarations.DCGANConfig, "gan_bench.errors:GanBenchError")
    with pytest.raises(TypeError, match="not a subclass of GanModel"):
        model_class("not_a_gan")


def test_a_class_reading_another_declaration_is_refused(monkeypatch):
    """A new variant that subclasses DCGAN but forgets `declaration = ...` would train with DCGAN's facts."""
    monkeypatch.setattr(declarations, "MODELS", dict(declarations.MODELS))
    declarations.declare("copied", declarations.LSGANConfig, "gan_bench.models.dcgan:DCGAN")
    with pytest.raises(TypeError, match="must set `declaration = declarations.<the one declaring 'copied'>`"):
        model_class("copied")


def test_a_subclass_without_its_own_declaration_keeps_its_parents():
    class Variant(DCGAN):
        pass

    assert Variant.declaration is declarations.DCGAN and Variant.Config is declarations.DCGANConfig
    assert not Variant.conditional


def test_network_classes_are_module_level_and_nameable():
    model = model_class("cgan")(declarations.CGANConfig(image_size=8, width=4), DatasetInfo("t", 1, 8, 3, 10))
    assert isinstance(model.nets["G"], MLPGenerator) and isinstance(model.nets["D"], MLPDiscriminator)
    assert isinstance(model, GanModel)


def test_model_modules_import_only_at_the_top():
    """torch at the top and no import inside a function or class: what a model file needs is visible at once."""
    nested = []
    for path in sorted(MODELS_DIR.glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.If)):
                nested += [f"{path.name}:{inner.lineno}" for inner in ast.walk(node)
                           if isinstance(inner, (ast.Import, ast.ImportFrom))]
    assert not nested, nested
