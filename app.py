"""Launch the chat: build the assistant from Settings, sync the corpus, serve the UI."""

from qa.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["serve"]))
