"""Fixtures: a synthetic choice model and the embedded Jyväskylä pilot."""

from __future__ import annotations

import pytest
from choice_synthetic import synthetic

from soteplan.choice import ChoiceModel


@pytest.fixture
def model() -> ChoiceModel:
    return synthetic()


@pytest.fixture(scope="session")
def pilot(ks):
    from soteplan.choice import pilot_setup

    return pilot_setup(ks, "jyvaskyla-2017")
