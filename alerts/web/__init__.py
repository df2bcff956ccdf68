"""The dashboard: case board, case page with the workflow steps, live feed, findings,
accountability and trends, and the JSON API of contracts.md ("Web API").

Server-rendered (FastAPI + Jinja2, autoescaped); crawled text is hostile and is only ever
rendered as text. `yuqing web` serves it, `yuqing users` manages its accounts.
"""
