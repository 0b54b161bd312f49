"""`python -m desktop_app` starts Parley; `--self-test` checks an installation headless;
`--install-desktop-entry` / `--uninstall-desktop-entry` add or remove it from the Linux menu."""

import sys

DESKTOP_ENTRY_ACTIONS = {
    "--install-desktop-entry": "install",
    "--uninstall-desktop-entry": "uninstall",
}


def run() -> int:
    if "--self-test" in sys.argv[1:]:
        from desktop_app.self_test import main as self_test_main

        return self_test_main(sys.argv[1:])
    for flag, action in DESKTOP_ENTRY_ACTIONS.items():
        if flag in sys.argv[1:]:
            from desktop_app.services.desktop_entry import run_command

            return run_command(action)
    from desktop_app.app import main

    return main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(run())
