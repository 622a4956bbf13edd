"""The web page: Gradio blocks, page HTML, chat sidebar, feedback panel, examples, start-up
progress. May import every earlier room (records, access, articles, api); never cli.
"""
