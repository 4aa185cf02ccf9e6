"""Run one documentation page's code in a fresh interpreter: ``python -m tests.docs.page_runner``.

Usage: ``python -W error -m tests.docs.page_runner PAGE BACKEND DATABASE_URL``.

Each page runs in its own process, as a reader would run it: mapped classes
register themselves in the shared declarative ``Base`` and their tables in its
``MetaData``, so two pages (or one page on two backends) in one process would
collide. Exits 0 when every block ran; otherwise prints the traceback, with
line numbers of the Markdown page (or of the pulled example file), and exits 1.
Exceptions Python could only report as "ignored" (in ``__del__``, say) fail
the run too, as they fail a test under pytest's ``filterwarnings = error``.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Any

from tests.docs.doc_pages import BACKENDS, parse_page, run_page

__all__ = ["main"]


def main(argv: list[str]) -> int:
    """Run the page named by *argv* (page, backend, URL); the process exit status."""
    if len(argv) != 3 or argv[1] not in BACKENDS:
        print(__doc__, file=sys.stderr)
        return 2
    page_path, backend, url = Path(argv[0]), argv[1], argv[2]
    unraisable: list[str] = []

    def record(hook_args: Any) -> None:
        unraisable.append(
            f"{hook_args.err_msg or 'Exception ignored in'}: {hook_args.object!r}\n"
            + "".join(
                traceback.format_exception(
                    hook_args.exc_type, hook_args.exc_value, hook_args.exc_traceback
                )
            )
        )

    sys.unraisablehook = record
    try:
        run_page(parse_page(page_path), url, backend)
    except BaseException:
        traceback.print_exc()
        return 1
    if unraisable:
        print("exceptions raised where Python could only ignore them:", file=sys.stderr)
        print("\n".join(unraisable), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
