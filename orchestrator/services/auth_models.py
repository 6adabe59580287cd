"""Request and response bodies of the users, tokens, audit and vault API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field


class MeOut(BaseModel):
    name: str = Field(description="the user; for a token, its owner")
    kind: str
    roles: list[str]
    permissions: list[str]
    token: str | None = Field(default=None, description="the token's name, if one was sent")


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    roles: list[str] = Field(min_length=1)
    display_name: str = ""
    password: str | None = Field(default=None, description="omit to have one generated")


class UserOut(BaseModel):
    username: str
    display_name: str
    roles: list[str]
    disabled: bool
    created_at: dt.datetime
    last_login_at: dt.datetime | None


class UserCreated(UserOut):
    password: str | None = Field(description="the generated password, shown this once")


class PasswordOut(BaseModel):
    username: str
    password: str = Field(description="the new password, shown this once")


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    roles: list[str] = Field(min_length=1)
    kind: str = Field(default="integration", pattern="^(robot|integration)$")
    expires: str | None = Field(default=None, max_length=40,
                                description="90d, 12h, 2w or an ISO date, at most 365 days "
                                            "away; empty: 90 days")


class TokenOut(BaseModel):
    name: str
    prefix: str
    kind: str
    roles: list[str]
    owner: str | None = Field(description="the user the token acts as")
    created_by: str | None
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="the bearer token, shown this once")


class AuditOut(BaseModel):
    id: int
    at: dt.datetime
    actor: str
    via_token: str | None = Field(default=None,
                                  description="the API token the actor acted through")
    action: str
    target: str
    details: dict[str, Any]
    hash: str | None


class AuditProblemOut(BaseModel):
    id: int
    kind: str
    message: str


class AuditVerifyOut(BaseModel):
    ok: bool
    records: int
    head: str | None = Field(description="the newest record's hash: keep a copy elsewhere")
    problems: list[AuditProblemOut]


class VaultEntryOut(BaseModel):
    name: str
    fields: list[str]
    bots: list[str] = Field(description="bots allowed to read it; empty: any bot")
    version: int
    pending_version: int | None
    updated_at: str | None


class CredentialAccessOut(BaseModel):
    id: int
    at: dt.datetime
    credential: str
    version: int | None
    action: str
    actor: str
    run_id: int | None
