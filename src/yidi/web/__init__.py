"""Server-rendered pages (zh-CN first, English toggle) for insured persons, hospital staff and agency staff."""
