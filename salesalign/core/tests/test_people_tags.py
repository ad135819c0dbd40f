"""`person_name`: who did something, as the pages name them."""

from __future__ import annotations

import pytest

from salesalign.core.templatetags.people import person_name

pytestmark = pytest.mark.django_db


def test_a_login_is_named_by_its_person_else_by_itself_and_nobody_is_a_dash(cast):
    assert person_name(cast.manager.user) == cast.manager.display_name
    assert person_name(cast.manager.user) != cast.manager.user.username
    assert person_name(cast.outsider) == "outsider"  # a login without a person
    assert person_name(None) == "–"
