"""The bundled demo sites (a county portal and a local forum) that `yuqing demo` crawls."""

from crawlers.demo.server import DemoSites, serve_demo_sites

__all__ = ["DemoSites", "serve_demo_sites"]
