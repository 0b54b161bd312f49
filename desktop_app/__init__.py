"""Parley: a desktop workbench for the OpenAI API and OpenAI-compatible servers.

This module stays free of imports: `python -m desktop_app.bootstrap` runs it before anything is
installed, and start-up time depends on importing nothing heavy up front.
"""

APP_NAME = "Parley"
