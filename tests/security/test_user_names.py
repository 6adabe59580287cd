"""No username passes for another (case, ligatures, full-width letters, invisible
characters), no person holds the robot role, and a password is 12 to 256 characters."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from bots.runtime.errors import ConfigError, DuplicateError
from orchestrator.auth import service as accounts
from orchestrator.store import Store

PASSWORD = "correct-horse-battery-staple"


@pytest.mark.parametrize("other", ["Fiona", "FIONA", "\ufb01ona", "\uff46iona"])
def test_a_name_written_otherwise_is_the_same_person(store: Store, other: str) -> None:
    accounts.add_user(store, "fiona", PASSWORD, ["finance_reviewer"])
    with pytest.raises((DuplicateError, ValueError)):
        accounts.add_user(store, other, PASSWORD, ["approver"])
    assert [u.username for u in store.list_users()] == ["fiona"]


@pytest.mark.parametrize("name", ["fi\u200bona", "fiona\x00", "fi ona", "fiona\u202e",
                                  "a" * 101, "", "<script>"])
def test_names_with_invisible_or_odd_characters_are_refused(store: Store, name: str) -> None:
    with pytest.raises(ValueError, match="bad username"):
        accounts.add_user(store, name, PASSWORD, ["support"])


def test_names_people_really_have_are_fine(store: Store) -> None:
    for name in ("anna.berg", "j-p_muller", "zoë", "ana@example.com", "Łukasz"):
        accounts.add_user(store, name, PASSWORD, ["support"])
    assert len(store.list_users()) == 5


def test_no_person_holds_the_robot_role(store: Store) -> None:
    with pytest.raises(ConfigError, match="robot role"):
        accounts.add_user(store, "rob", PASSWORD, ["robot"])
    accounts.add_user(store, "rob", PASSWORD, ["operator"])
    with pytest.raises(ConfigError, match="robot role"):
        store.set_roles("rob", ["operator", "robot"])
    assert store.get_user("rob").roles == ["operator"]


@pytest.mark.parametrize("password", ["x", "elevenchars", "p" * 257, "control\x07chars!!"])
def test_passwords_too_short_too_long_or_with_control_characters_are_refused(
        client: TestClient, bearer: Callable[[str], dict[str, str]], store: Store,
        password: str) -> None:
    made = client.post("/api/v1/users", headers=bearer("admin"),
                       json={"username": "newbie", "password": password,
                             "roles": ["support"]})
    assert made.status_code == 422, made.text
    assert store.find_user("newbie") is None


def test_a_megabyte_password_at_sign_in_is_a_wrong_one(client: TestClient,
                                                        store: Store) -> None:
    accounts.add_user(store, "alice", PASSWORD, ["support"])
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    answer = client.post("/login", data={"username": "alice", "password": "a" * 1_000_000,
                                         "next": "/", "csrf_token": token},
                         follow_redirects=False)
    assert answer.status_code in (400, 401, 413, 422)
