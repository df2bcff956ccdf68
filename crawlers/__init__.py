"""The crawling stage: Scrapy spiders per source kind, the cleaner, and the bundled demo sites.

It imports only the kernel (`pipeline`) and hands items on through the `items.raw` topic.
"""
