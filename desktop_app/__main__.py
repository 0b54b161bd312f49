"""`python -m desktop_app` starts Parley; `--self-test` checks an installation headless."""

import sys


def run() -> int:
    if "--self-test" in sys.argv[1:]:
        from desktop_app.self_test import main as self_test_main

        return self_test_main(sys.argv[1:])
    from desktop_app.app import main

    return main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(run())
