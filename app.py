"""The Gradio web page (the page itself lives in assistant/page.py, so an installed package
serves it too: `shopassist serve`)."""
from assistant.page import build_app, launch_options, main

__all__ = ["build_app", "launch_options", "main"]

if __name__ == "__main__":
    main()
