"""The OpenAPI 3.1 description of the JSON API, served at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from planner.models import Status
from rules.model import Category

MAX_ID = 2**31 - 1


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": {"$ref": "#/components/responses/BadRequest"},
    "401": {"$ref": "#/components/responses/Unauthorized"},
    "403": {"$ref": "#/components/responses/Forbidden"},
    "404": {"$ref": "#/components/responses/NotFound"},
    "405": {"$ref": "#/components/responses/NotAllowed"},
    "409": {"$ref": "#/components/responses/Conflict"},
    "422": {"$ref": "#/components/responses/Invalid"},
}
POST_ID = {
    "name": "post_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
}
DAY = {"type": "string", "format": "date"}
VERSION = {"type": "integer", "minimum": 1, "description": "The version you last read."}
INSTANT = {
    "type": "string",
    "description": "ISO 8601; without an offset, a wall-clock time in the workspace timezone.",
    "examples": ["2031-03-03T09:30:00+01:00", "2031-03-03T09:30"],
}


def _transition(summary: str, extra: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "parameters": [POST_ID],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["version", *required],
                            "properties": {"version": VERSION, **extra},
                        }
                    }
                },
            },
            "responses": {"200": _json(_ref("Post"), "The post after the change."), **ERRORS},
        }
    }


OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Planner API",
        "version": "1",
        "description": (
            "A workspace's content calendar. Authenticate with a personal API token "
            "(Authorization: Bearer <token>), made on the workspace's API tokens page; it "
            "acts with its owner's current role in that one workspace."
        ),
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearerAuth": []}],
    "paths": {
        "/posts": {
            "get": {
                "summary": "List posts in time order",
                "parameters": [
                    {"name": "from", "in": "query", "schema": DAY},
                    {"name": "to", "in": "query", "schema": DAY, "description": "Included."},
                    {
                        "name": "channel",
                        "in": "query",
                        "schema": {"type": "string"},
                        "description": "A channel id or name.",
                    },
                    {
                        "name": "category",
                        "in": "query",
                        "schema": {"type": "string", "enum": [c.value for c in Category]},
                    },
                    {
                        "name": "status",
                        "in": "query",
                        "schema": {"type": "string", "enum": [s.value for s in Status]},
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 200},
                    },
                    {
                        "name": "offset",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 0, "maximum": 10**9},
                    },
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["posts", "next"],
                            "properties": {
                                "posts": {"type": "array", "items": _ref("Post")},
                                "next": {
                                    "type": ["string", "null"],
                                    "description": "The next page's URL, or null.",
                                },
                            },
                        },
                        "One page of posts.",
                    ),
                    **ERRORS,
                },
            },
            "post": {
                "summary": "Create a draft",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["channel_id", "text", "scheduled_at"],
                                "properties": {
                                    "channel_id": {"type": "integer"},
                                    "text": {"type": "string"},
                                    "category": {
                                        "type": "string",
                                        "description": "Empty: the classifier's suggestion.",
                                    },
                                    "scheduled_at": INSTANT,
                                },
                            }
                        }
                    },
                },
                "responses": {"201": _json(_ref("Post"), "The new draft."), **ERRORS},
            },
        },
        "/posts/{post_id}": {
            "get": {
                "summary": "One post",
                "parameters": [POST_ID],
                "responses": {"200": _json(_ref("Post"), "The post."), **ERRORS},
            },
            "patch": {
                "summary": "Edit a post (text, channel, category, time)",
                "description": "409 when the post changed since `version`; an approved "
                "post whose text, channel or time changes goes back to draft.",
                "parameters": [POST_ID],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["version"],
                                "properties": {
                                    "version": VERSION,
                                    "channel_id": {"type": "integer"},
                                    "text": {"type": "string"},
                                    "category": {"type": "string"},
                                    "scheduled_at": INSTANT,
                                },
                            }
                        }
                    },
                },
                "responses": {"200": _json(_ref("Post"), "The edited post."), **ERRORS},
            },
        },
        "/posts/{post_id}/submit": _transition("Submit for review", {}, []),
        "/posts/{post_id}/cancel": _transition("Cancel", {}, []),
        "/posts/{post_id}/approve": _transition(
            "Approve this version",
            {"override_reason": {"type": "string"}},
            [],
        ),
        "/posts/{post_id}/request-changes": _transition(
            "Send back to the author", {"comment": {"type": "string"}}, ["comment"]
        ),
        "/posts/{post_id}/reschedule": _transition(
            "Move to another time", {"scheduled_at": INSTANT}, ["scheduled_at"]
        ),
        "/channels": {
            "get": {
                "summary": "The workspace's channels",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["channels"],
                            "properties": {"channels": {"type": "array", "items": _ref("Channel")}},
                        },
                        "The channels.",
                    ),
                    **ERRORS,
                },
            }
        },
        "/findings": {
            "get": {
                "summary": "Balance findings whose window overlaps the range",
                "parameters": [
                    {"name": "from", "in": "query", "schema": DAY},
                    {"name": "to", "in": "query", "schema": DAY},
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["findings"],
                            "properties": {"findings": {"type": "array", "items": _ref("Finding")}},
                        },
                        "The findings.",
                    ),
                    **ERRORS,
                },
            }
        },
    },
    "components": {
        "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        "responses": {
            name: _json(_ref("Error"), description)
            for name, description in (
                ("BadRequest", "The request is not JSON, or not an object."),
                ("Unauthorized", "No token, or an unknown or revoked one."),
                ("Forbidden", "The token owner's role does not allow this."),
                ("NotFound", "No such post in this workspace."),
                ("NotAllowed", "That method is not available here."),
                ("Conflict", "The post changed since that version, or its state forbids it."),
                ("Invalid", "Field errors, keyed by field."),
            )
        },
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["code", "message", "fields"],
                        "properties": {
                            "code": {"type": "integer"},
                            "message": {"type": "string"},
                            "fields": {
                                "type": "object",
                                "additionalProperties": {"type": "string"},
                            },
                        },
                    }
                },
            },
            "Post": {
                "type": "object",
                "required": [
                    "id",
                    "channel_id",
                    "channel",
                    "network",
                    "text",
                    "category",
                    "scheduled_at",
                    "status",
                    "version",
                ],
                "properties": {
                    "id": {"type": "integer"},
                    "channel_id": {"type": "integer"},
                    "channel": {"type": "string"},
                    "network": {"type": "string"},
                    "text": {"type": "string"},
                    "category": {"type": "string", "enum": [c.value for c in Category]},
                    "scheduled_at": {"type": "string", "format": "date-time"},
                    "scheduled_at_local": {"type": "string", "format": "date-time"},
                    "status": {"type": "string", "enum": [s.value for s in Status]},
                    "version": {"type": "integer"},
                    "author_id": {"type": ["integer", "null"]},
                    "approved_by_id": {"type": ["integer", "null"]},
                    "approved_version": {"type": ["integer", "null"]},
                    "created_at": {"type": "string", "format": "date-time"},
                    "updated_at": {"type": "string", "format": "date-time"},
                    "suggested_category": {
                        "type": "object",
                        "description": "Only when the category was left empty.",
                    },
                },
            },
            "Channel": {
                "type": "object",
                "required": ["id", "name", "network"],
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "network": {"type": "string"},
                    "handle": {"type": "string"},
                },
            },
            "Finding": {
                "type": "object",
                "required": ["rule", "severity", "message", "post_ids"],
                "properties": {
                    "rule": {"type": "string"},
                    "severity": {"type": "string", "enum": ["info", "warning", "error"]},
                    "channel": {"type": ["string", "null"]},
                    "window_start": {"type": "string", "format": "date-time"},
                    "window_end": {"type": "string", "format": "date-time"},
                    "post_ids": {"type": "array", "items": {"type": "integer"}},
                    "measured": {"type": ["number", "string"]},
                    "threshold": {"type": ["number", "string"]},
                    "message": {"type": "string"},
                    "hint": {"type": "string"},
                },
            },
        },
    },
}
