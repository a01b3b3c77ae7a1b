"""The SKU doctor: suggestions that link the listings an import could not link.

An import links a listing only when its SKU equals a master SKU after trimming and ignoring case
(PRODUCT.md rule 1). Sellers type SKUs by hand in several places, so near misses are common:
``KAOS 007`` next to ``KAOS-007``, ``KAOS-7``, a full-width ``ＫＡＯＳ-007``, or ``KAOS-OO7``.
The doctor looks at every listing that is not linked (including conflicts) and proposes the
one master variant it most likely is, with the kind of repair and its evidence. It never links
by itself: :func:`link_suggestions` links what the seller confirmed, after checking each pair
again.

The kinds, tried in this order; the first kind that finds any candidate decides, and two or
more candidate variants in that kind make the listing *ambiguous* (no suggestion):

- ``same_sku``: the keys are already equal (a listing skipped for having no stock, being
  inactive, or sharing its SKU inside its shop, while a master has that SKU);
- ``spaces``: equal once white space is removed (incl. non-breaking and zero-width spaces);
- ``unicode``: equal after NFKC normalisation (full-width letters, composed accents);
- ``leading_zeros``: equal once each digit run loses its leading zeros (``KAOS-007`` ~ ``KAOS-7``);
- ``look_alike``: equal once O/o are read as 0 and I/l as 1, only inside a run of letters and
  digits that holds a digit and nothing else (``KAOS-OO7``, but never ``SIZE-L``);
- ``edit_distance``: one edit, and only a separator (- _ . / and the like) added, removed or
  replaced, or two adjacent letters swapped inside a word of three or more letters; a changed
  digit or letter is a different product (``KAOS-01`` vs ``KAOS-02``);
- ``name``: no SKU kind found anything and the listing's name equals a variant's name, or the
  name of a master product that has one variant (case, spaces and punctuation ignored).

Each key kind includes the ones before it, so ``kaos - oo7`` is found (as ``look_alike``).
Everything is bucketed in dicts by key: O(listings + variants), a few seconds for 300,000
listings (measured in tests/catalog/test_doctor.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from satustok.catalog.models import Variant
from satustok.catalog.sku import sku_key
from satustok.channels.linking import LinkRefused, link_by_hand
from satustok.channels.models import LinkMethod, Listing


class Kind(StrEnum):
    SAME_SKU = "same_sku"
    SPACES = "spaces"
    UNICODE = "unicode"
    LEADING_ZEROS = "leading_zeros"
    LOOK_ALIKE = "look_alike"
    EDIT_DISTANCE = "edit_distance"
    NAME = "name"

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])


KIND_LABELS = {
    Kind.SAME_SKU: gettext_lazy("Same SKU"),
    Kind.SPACES: gettext_lazy("Spaces"),
    Kind.UNICODE: gettext_lazy("Unicode characters"),
    Kind.LEADING_ZEROS: gettext_lazy("Leading zeros"),
    Kind.LOOK_ALIKE: gettext_lazy("Look-alike characters"),
    Kind.EDIT_DISTANCE: gettext_lazy("One separator or swapped letters"),
    Kind.NAME: gettext_lazy("Same name"),
}
EVIDENCE = {
    Kind.SAME_SKU: gettext_lazy("The SKUs are equal; the import skipped this listing."),
    Kind.SPACES: gettext_lazy("Equal once spaces (incl. invisible ones) are removed."),
    Kind.UNICODE: gettext_lazy("Equal once wide or composed characters are normalised."),
    Kind.LEADING_ZEROS: gettext_lazy("Equal once leading zeros of numbers are removed."),
    Kind.LOOK_ALIKE: gettext_lazy(
        "Equal once the letters O, I and l inside numbers are read as digits."
    ),
    Kind.EDIT_DISTANCE: gettext_lazy("One separator differs, or two adjacent letters are swapped."),
    Kind.NAME: gettext_lazy("The listing has the master's name."),
}


@dataclass(frozen=True, slots=True)
class ListingInfo:
    id: int
    account_id: int
    external_id: str
    sku: str
    name: str
    reason: str = ""  # why the import left it unlinked (a sync Bucket value)


@dataclass(frozen=True, slots=True)
class VariantInfo:
    id: int
    sku: str
    name: str
    product_id: int
    product_name: str


@dataclass(frozen=True, slots=True)
class Suggestion:
    listing: ListingInfo
    variant: VariantInfo
    kind: Kind

    @property
    def evidence(self) -> str:
        return str(EVIDENCE[self.kind])


@dataclass(frozen=True, slots=True)
class Ambiguous:
    """A listing with two or more candidates of the same kind: the seller decides."""

    listing: ListingInfo
    kind: Kind
    candidates: tuple[VariantInfo, ...]


@dataclass
class Diagnosis:
    suggestions: list[Suggestion] = field(default_factory=list)
    ambiguous: list[Ambiguous] = field(default_factory=list)

    def of_kind(self, kind: Kind) -> list[Suggestion]:
        return [suggestion for suggestion in self.suggestions if suggestion.kind == kind]

    def counts(self) -> dict[Kind, int]:
        found = dict.fromkeys(Kind, 0)
        for suggestion in self.suggestions:
            found[suggestion.kind] += 1
        return found


# --- keys ------------------------------------------------------------------------------------

# Invisible characters that sellers paste along with a SKU; str.split() does not see them.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_LEADING_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")
_TOKEN = re.compile(r"[^\W_]+")
# The safe look-alikes: shapes that fonts draw almost the same and that a digit run explains.
# S/5, B/8, Z/2 and G/6 are left out: S, M, L, XL are sizes and letters in SKU codes carry
# meaning, while O and I/l inside a number can only be a typing slip.
_DIGIT_LOOK_ALIKES = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1"})
_NUMBER_CHARACTERS = frozenset("0123456789OoIl")
SEPARATORS = frozenset("-_./\\|:,;+#")


def spaceless(sku: str) -> str:
    return "".join(sku.translate(_INVISIBLE).split())


def _nfkc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def unicode_key(sku: str) -> str:
    # NFKC again after case folding: folding can undo a composition (e.g. "ǰ").
    return _nfkc(spaceless(_nfkc(sku)).casefold())


def zeros_key(sku: str) -> str:
    return _LEADING_ZEROS.sub("", unicode_key(sku))


def _digits_for_look_alikes(token: re.Match[str]) -> str:
    text = token.group()
    looks_like_number = any(c.isdigit() for c in text) and set(text) <= _NUMBER_CHARACTERS
    return text.translate(_DIGIT_LOOK_ALIKES) if looks_like_number else text


def look_alike_key(sku: str) -> str:
    read = _TOKEN.sub(_digits_for_look_alikes, spaceless(_nfkc(sku)))
    return _LEADING_ZEROS.sub("", _nfkc(read.casefold()))


def name_key(name: str) -> str:
    return re.sub(r"[\W_]+", "", _nfkc(name).casefold())


def _without_separators(key: str) -> str:
    return "".join(c for c in key if c not in SEPARATORS)


def is_separator_edit(one: str, other: str) -> bool:
    """One separator inserted, removed or replaced by another separator, nothing else."""
    if len(one) == len(other):
        differing = [i for i, (a, b) in enumerate(zip(one, other, strict=True)) if a != b]
        return len(differing) == 1 and {one[differing[0]], other[differing[0]]} <= SEPARATORS
    longer, shorter = (one, other) if len(one) > len(other) else (other, one)
    if len(longer) - len(shorter) != 1:
        return False
    cut = next(
        (i for i, (a, b) in enumerate(zip(longer, shorter, strict=False)) if a != b), len(shorter)
    )
    return longer[cut] in SEPARATORS and longer[:cut] + longer[cut + 1 :] == shorter


def letter_swaps(key: str) -> Iterator[str]:
    """The key with two adjacent, different letters swapped, inside words of 3+ letters."""
    for word in re.finditer(r"[^\W\d_]{3,}", key):
        for i in range(word.start(), word.end() - 1):
            if key[i] != key[i + 1]:
                yield key[:i] + key[i + 1] + key[i] + key[i + 2 :]


# --- diagnosing ------------------------------------------------------------------------------

SKU_KINDS = (
    (Kind.SAME_SKU, sku_key),
    (Kind.SPACES, lambda sku: spaceless(sku).casefold()),
    (Kind.UNICODE, unicode_key),
    (Kind.LEADING_ZEROS, zeros_key),
    (Kind.LOOK_ALIKE, look_alike_key),
)


class CatalogueIndex:
    """The master variants bucketed by every key the doctor compares with."""

    def __init__(self, variants: Iterable[VariantInfo]) -> None:
        self.by_id: dict[int, VariantInfo] = {}
        self.buckets: dict[Kind, dict[str, list[int]]] = {kind: defaultdict(list) for kind in Kind}
        self.without_separators: dict[str, list[int]] = defaultdict(list)
        self.look_alike_keys: dict[int, str] = {}
        self.product_variants: dict[int, list[int]] = defaultdict(list)
        self.product_names: dict[str, set[int]] = defaultdict(set)
        for variant in variants:
            self._add(variant)

    def _add(self, variant: VariantInfo) -> None:
        self.by_id[variant.id] = variant
        key = ""
        for kind, key_of in SKU_KINDS:
            key = key_of(variant.sku)
            self.buckets[kind][key].append(variant.id)
        self.look_alike_keys[variant.id] = key
        self.without_separators[_without_separators(key)].append(variant.id)
        self.product_variants[variant.product_id].append(variant.id)
        self.product_names[name_key(variant.product_name)].add(variant.product_id)
        if variant.name:
            self.buckets[Kind.NAME][name_key(variant.name)].append(variant.id)

    def candidates(self, listing: ListingInfo) -> tuple[Kind, list[int]] | None:
        """The first kind that finds any variant for the listing, with those variants."""
        if sku_key(listing.sku):
            found = self._by_sku(listing.sku)
            if found:
                return found
        return self._by_name(listing.name)

    def _by_sku(self, sku: str) -> tuple[Kind, list[int]] | None:
        key = ""
        for kind, key_of in SKU_KINDS:
            key = key_of(sku)
            found = self.buckets[kind].get(key)
            if found:
                return kind, _distinct(found)
        edits = self._one_edit(key)
        return (Kind.EDIT_DISTANCE, edits) if edits else None

    def _one_edit(self, key: str) -> list[int]:
        found = [
            variant_id
            for variant_id in self.without_separators.get(_without_separators(key), ())
            if is_separator_edit(key, self.look_alike_keys[variant_id])
        ]
        for swapped in letter_swaps(key):
            found.extend(self.buckets[Kind.LOOK_ALIKE].get(swapped, ()))
        return _distinct(found)

    def _by_name(self, name: str) -> tuple[Kind, list[int]] | None:
        key = name_key(name)
        if not key:
            return None
        found = list(self.buckets[Kind.NAME].get(key, ()))
        for product_id in self.product_names.get(key, ()):
            variants = self.product_variants[product_id]
            found.extend(variants if len(variants) == 1 else ())
        return (Kind.NAME, _distinct(found)) if found else None


def _distinct(ids: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(ids))


def diagnose(listings: Iterable[ListingInfo], variants: Iterable[VariantInfo]) -> Diagnosis:
    """Suggestions for the given (unlinked) listings against the given variants; no database."""
    index = CatalogueIndex(variants)
    return diagnose_with(index, listings)


def diagnose_with(index: CatalogueIndex, listings: Iterable[ListingInfo]) -> Diagnosis:
    diagnosis = Diagnosis()
    for listing in listings:
        found = index.candidates(listing)
        if found is None:
            continue
        kind, variant_ids = found
        if len(variant_ids) == 1:
            diagnosis.suggestions.append(Suggestion(listing, index.by_id[variant_ids[0]], kind))
        else:
            candidates = tuple(index.by_id[variant_id] for variant_id in variant_ids)
            diagnosis.ambiguous.append(Ambiguous(listing, kind, candidates))
    return diagnosis


# --- from the database -----------------------------------------------------------------------

LISTING_FIELDS = ("id", "account_id", "external_id", "sku", "name", "unlinked_reason")
VARIANT_FIELDS = ("id", "sku", "name", "product_id", "product__name")


def unlinked_listings(ids: Sequence[int] | None = None) -> Iterator[ListingInfo]:
    """Every listing not linked to a master (conflicts included), or only those of ``ids``."""
    listings = Listing.objects.filter(link_method=LinkMethod.UNLINKED, variant__isnull=True)
    if ids is not None:
        listings = listings.filter(pk__in=ids)
    for values in (
        listings.order_by("account_id", "id").values_list(*LISTING_FIELDS).iterator(5_000)
    ):
        yield ListingInfo(*values)


def live_variants() -> Iterator[VariantInfo]:
    """The variants a listing may be linked to: archived masters are not proposed."""
    variants = Variant.objects.filter(product__archived_at__isnull=True).order_by("id")
    for values in variants.values_list(*VARIANT_FIELDS).iterator(5_000):
        yield VariantInfo(*values)


def diagnose_catalogue() -> Diagnosis:
    return diagnose(unlinked_listings(), live_variants())


# --- linking ---------------------------------------------------------------------------------


@dataclass
class LinkOutcome:
    linked: list[Suggestion] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (listing id, why)


def link_suggestions(pairs: Iterable[tuple[int, int]]) -> LinkOutcome:
    """Link each confirmed (listing, variant) pair if the doctor still proposes exactly it.

    A listing linked meanwhile (by hand, by another click, by an import) or whose suggestion
    changed since the seller saw it is skipped with the reason; the others are linked through
    :func:`link_by_hand`, so the activity log and the push follow as for a link by hand.
    """
    wanted = dict(pairs)
    current = {
        suggestion.listing.id: suggestion
        for suggestion in diagnose(unlinked_listings(list(wanted)), live_variants()).suggestions
    }
    outcome = LinkOutcome()
    for listing_id, variant_id in wanted.items():
        suggestion = current.get(listing_id)
        why = _refusal(suggestion, variant_id) or _link_one(suggestion)  # type: ignore[arg-type]
        if why:
            outcome.skipped.append((listing_id, why))
        else:
            outcome.linked.append(suggestion)  # type: ignore[arg-type]
    return outcome


def _refusal(suggestion: Suggestion | None, variant_id: int) -> str:
    if suggestion is None:
        return _("Already linked, or no longer suggested: nothing was changed.")
    if suggestion.variant.id != variant_id:
        return _("The suggestion changed since the list was shown: check it again.")
    return ""


def _link_one(suggestion: Suggestion) -> str:
    with transaction.atomic():
        listing = Listing.objects.select_for_update().filter(pk=suggestion.listing.id).first()
        if listing is None or listing.link_method != LinkMethod.UNLINKED or listing.variant_id:
            return _("Already linked meanwhile: nothing was changed.")
        try:
            link_by_hand(listing, suggestion.variant.sku)
        except LinkRefused as refused:
            return str(refused)
    return ""
