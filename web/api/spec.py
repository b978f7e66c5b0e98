"""The OpenAPI document (openapi.yaml, the single source of truth) and the small routes around it."""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from flask import Response, jsonify

from engine.definitions.model import Catalog
from web.api import bp
from web.api.auth import actor_can, current_actor
from web.api.errors import ApiError
from web.runtime import runtime

SPEC_FILE = Path(__file__).with_name("openapi.yaml")
METHODS = ("get", "put", "post", "delete", "patch")


@cache
def document() -> dict[str, Any]:
    with SPEC_FILE.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


# Parameters whose allowed values come from the installed definitions, not from the document:
# `x-ocopflow-values: NAME` in openapi.yaml becomes an `enum` of the catalog's values when served.
CATALOG_VALUES: dict[str, Callable[[Catalog], list[int]]] = {
    "star_levels": Catalog.star_levels,
    "cycle_steps": Catalog.cycle_steps,
}


def served_document(catalog: Catalog) -> dict[str, Any]:
    """The document as served: the parameters bound by the installed definitions list their values."""
    served = copy.deepcopy(document())
    for item in served["paths"].values():
        for method in METHODS:
            for parameter in item.get(method, {}).get("parameters", []):
                source = parameter.get("schema", {}).pop("x-ocopflow-values", None)
                if source is not None:
                    parameter["schema"]["enum"] = CATALOG_VALUES[source](catalog)
    return served


def operations() -> set[tuple[str, str]]:
    """(METHOD, path template relative to the server url) for every documented operation."""
    return {
        (method.upper(), path)
        for path, item in document()["paths"].items()
        for method in METHODS
        if method in item
    }


def query_max_lengths(path: str, method: str) -> dict[str, int]:
    """Query parameter -> its `maxLength` in the document: the route refuses what the spec refuses."""
    parameters = document()["paths"][path][method].get("parameters", [])
    return {p["name"]: p["schema"]["maxLength"] for p in parameters if "maxLength" in p.get("schema", {})}


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(served_document(runtime().catalog))


@bp.get("/health")
def health() -> Response:
    return jsonify({"ok": True})


@bp.get("/audit/verify")
def verify_audit() -> Response:
    actor = current_actor()
    if not actor_can(actor, "audit"):
        raise ApiError(
            403,
            "Verifying the audit chain needs the 'audit' permission.",
            code="permission_denied",
            reason="role",
        )
    result = runtime().service.verify_audit()
    return jsonify(
        {
            "ok": bool(result.ok),
            "events": result.events,
            "first_broken": result.first_broken,
            "problem": getattr(result, "problem", None),
            "checkpoints": result.checkpoints,
        }
    )
