"""Launch the chat: `python app.py [--corpus DIR] [--host H] [--port P]`.

Builds the assistant from Settings, syncs the corpus, serves the UI; the logic is in qa/.
"""

import sys

from qa.app.cli.commands import main

if __name__ == "__main__":
    raise SystemExit(main(["serve", *sys.argv[1:]]))
