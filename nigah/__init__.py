"""Nigah: smuggling-network graph analytics for customs administrations."""
__version__ = "0.1.0"
