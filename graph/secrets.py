"""Secrets kept out of what a person or a log sees: a password written into a
store address (``bolt://neo4j:s3cret@host``) and the configured Neo4j password.

>>> redact("cannot reach bolt://neo4j:s3cret@db.customs.local:7687: refused")
'cannot reach bolt://neo4j:***@db.customs.local:7687: refused'
>>> redact("no secret here")
'no secret here'
"""
from __future__ import annotations

import os
import re

_IN_ADDRESS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<password>[^@\s]+)@", re.I)
_ENVIRONMENT = ("NEO4J_PASSWORD", "NIGAH_SECRET_KEY")


def redact(text: str) -> str:
    """``text`` with every password in an address, and every configured secret, replaced by ``***``."""
    text = _IN_ADDRESS.sub(lambda m: f"{m['scheme']}{m['user']}:***@", str(text))
    for name in _ENVIRONMENT:
        secret = os.environ.get(name)
        if secret and len(secret) >= 4:   # a one-letter "secret" would blank every such letter
            text = text.replace(secret, "***")
    return text
