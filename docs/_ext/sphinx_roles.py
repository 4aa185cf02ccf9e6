"""A griffe extension: Sphinx roles in docstrings become links in the API reference.

aorm's docstrings cross-reference with Sphinx roles (``:class:`~aorm.exc.DataError```,
``:meth:`stream```). Markdown has no roles, so without this the reference would
show them as raw text. Each role becomes inline code wrapped in an *optional*
autorefs link: it links when the target is rendered somewhere on the site and
stays plain code otherwise, so a reference to an undocumented object never
breaks ``mkdocs build --strict``.

Loaded by path from ``mkdocs.yml`` (``extensions: [docs/_ext/sphinx_roles.py]``).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

__all__ = ["SphinxRoles", "convert_roles"]

#: ``:role:`target``` or ``:role:`title <target>```; ``~`` shortens the title to the last name.
ROLE = re.compile(
    r":(?:py:)?(?P<role>class|meth|func|attr|exc|mod|data|obj|const|type)"
    r":`(?P<body>[^`]+)`"
)
TITLED = re.compile(r"^(?P<title>.+?)\s*<(?P<target>[^>]+)>$")


def convert_roles(text: str, resolve: Any) -> str:
    """*text* with every Sphinx role replaced by an optional autoref around inline code.

    *resolve* maps a name as written to a full dotted path (or raises).
    """

    def replace(match: re.Match[str]) -> str:
        body = match["body"].strip()
        titled = TITLED.match(body)
        if titled:
            title, target = titled["title"], titled["target"].strip()
        else:
            target = body.lstrip("~")
            title = target.rsplit(".", 1)[-1] if body.startswith("~") else target
        if match["role"] in ("meth", "func") and not title.endswith(")"):
            title += "()"
        target = target.removesuffix("()")
        try:
            identifier = target if target.startswith("aorm.") else str(resolve(target))
        except Exception:
            # Not resolvable from here (a name in another package, say): plain code.
            identifier = target
        return f'<autoref identifier="{identifier}" optional><code>{title}</code></autoref>'

    return ROLE.sub(replace, text)


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx roles in every docstring once the object tree is complete."""

    def on_object(self, *, obj: griffe.Object, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        """Convert the roles in *obj*'s docstring, resolving short names from its scope."""
        docstring = obj.docstring
        if docstring is None or ":`" not in docstring.value:
            return

        def resolve(name: str) -> str:
            # A method's short names live on its class, an attribute's too.
            scope = obj.parent if obj.is_function or obj.is_attribute else obj
            if scope is None:
                scope = obj
            head, _, rest = name.partition(".")
            if head in scope.members:
                return f"{scope.path}.{name}"
            resolved = scope.resolve(head)
            return f"{resolved}.{rest}" if rest else resolved

        docstring.value = convert_roles(docstring.value, resolve)
