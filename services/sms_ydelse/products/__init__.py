"""Information products, discovered from the modules of this package (each defines `PRODUCT`)."""

from __future__ import annotations

import importlib
import pkgutil
import re
import unicodedata
from functools import lru_cache

from services.sms_ydelse.products.base import InformationProduct


@lru_cache(maxsize=1)
def all_products() -> dict[str, InformationProduct]:
    """Every product by key."""
    found: dict[str, InformationProduct] = {}
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        product = getattr(module, "PRODUCT", None)
        if product is not None:
            if product.key in found:
                raise RuntimeError(f"two products use the key {product.key!r}")
            found[product.key] = product
    return found


def menu_code(value: str) -> str:
    """Normalise a menu item ('Info om ydelse', 'info-om-ydelse') to its code ('info_om_ydelse')."""
    text = value.strip().lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


@lru_cache(maxsize=1)
def _by_menu_item() -> dict[str, InformationProduct]:
    index: dict[str, InformationProduct] = {}
    for product in all_products().values():
        for item in (product.key, *product.menu_items):
            code = menu_code(item)
            if code in index and index[code] is not product:
                raise RuntimeError(f"menu item {code!r} is claimed by two products")
            index[code] = product
    return index


def for_menu_item(menu_item: str) -> InformationProduct | None:
    """The product a menu item asks for, or None."""
    return _by_menu_item().get(menu_code(menu_item))


def get(key: str) -> InformationProduct:
    """A product by key (KeyError when unknown)."""
    return all_products()[key]
