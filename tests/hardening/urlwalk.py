"""Every URL pattern of the project, from the URL resolver, with a sample path for each.

New views are covered automatically: the walk reads ``get_resolver()``.
"""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern

SAMPLES = {"int": "1", "slug": "x", "str": "x", "path": "x", "uuid": "00000000-0000-0000-0000-000000000001"}


@dataclass
class Endpoint:
    route: str  # the pattern as written, joined across includes
    path: str  # a sample path that resolves to it
    callback: object
    name: str | None


def _sample_regex(regex: str) -> str:
    text = regex.lstrip("^").rstrip("$").replace(r"\Z", "")

    # named and unnamed groups: take the first alternative of a group of literals, else "1"
    def group(match):
        body = match.group("body")
        if re.fullmatch(r"[\w|\-]+", body):
            return body.split("|")[0]
        return "1"

    previous = None
    while previous != text:
        previous = text
        text = re.sub(r"\((?:\?P<\w+>|\?:)?(?P<body>[^()]*)\)\??", group, text)
    return text.replace("\\", "")


def _sample(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return re.sub(r"<(?:(?P<conv>\w+):)?\w+>", lambda m: SAMPLES.get(m.group("conv") or "str", "x"), str(pattern))
    if isinstance(pattern, RegexPattern):
        return _sample_regex(pattern.regex.pattern)
    return str(pattern)


def walk(resolver=None, prefix="", route_prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        sample = prefix + _sample(entry.pattern)
        route = route_prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry, sample, route)
        elif isinstance(entry, URLPattern):
            yield Endpoint(route=route, path="/" + sample, callback=entry.callback, name=entry.name)


def endpoints() -> list[Endpoint]:
    return list(walk())


def resolves_to(endpoint: Endpoint) -> bool:
    try:
        match = resolve(endpoint.path)
    except Exception:  # noqa: BLE001
        return False
    return match.func == endpoint.callback
