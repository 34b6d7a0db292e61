"""The oligonucleotide sections of an assay file: ``[[primer]]``, ``[[reaction]]``, ``[reference]``.

Also the index of target names, since it is built from the reactions and may not give one
name two meanings. Used by :mod:`ikzf1assay.assay.loader`, which adds the other sections.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ikzf1assay.assay._reader import TableReader
from ikzf1assay.assay.model import (
    Primer,
    Reaction,
    ReferenceReaction,
    Target,
    normalise_target_name,
    reaction_names,
)
from ikzf1assay.sequence import InvalidBaseError, normalise_dna

__all__ = ["OligoSections"]

_PRIMER_KEYS = {
    "name",
    "sequence",
    "direction",
    "note",
    "label_5prime",
    "label_3prime",
    "purification",
}
_REACTION_KEYS = {"name", "deletion", "forward", "reverse", "exons_lost", "aliases"}


class OligoSections(TableReader):
    """Reads the primers, the reactions built from them and the reference reaction."""

    def primers(self) -> tuple[Primer, ...]:
        """Every ``[[primer]]``; names unique ignoring case."""
        result: list[Primer] = []
        seen: dict[str, int] = {}
        labelled: list[str] = []
        for i, entry in enumerate(self.array("primer")):
            self.check_keys(entry, _PRIMER_KEYS, "primer", i)
            name = self.get_str(entry, "name", "primer", i)
            folded = name.casefold()
            if folded in seen:
                raise self.fail(
                    f"duplicate primer name {name!r} (also [[primer]] #{seen[folded] + 1}); "
                    "primer names must be unique, ignoring case",
                    "primer",
                    i,
                    "name",
                )
            seen[folded] = i
            primer = self.primer(entry, i, name)
            if primer.label_3prime:
                labelled.append(
                    f"{name} ({primer.label_3prime}, line {self.lines.line_of('primer', i)})"
                )
            result.append(primer)
        if labelled:
            self.warnings.append(
                f"{self.source}: 3'-labelled primers: {', '.join(labelled)}. A 3'-modified "
                "oligo is not extended by the polymerase; check that each label belongs to it"
            )
        return tuple(result)

    def primer(self, entry: Mapping[str, Any], i: int, name: str) -> Primer:
        """One ``[[primer]]`` after its name: sequence, length, direction, labels."""
        try:
            seq, ambiguous = normalise_dna(self.get_str(entry, "sequence", "primer", i))
        except InvalidBaseError as problem:
            raise self.fail(
                f"primer {name!r}: {problem.describe()}", "primer", i, "sequence"
            ) from None
        if len(seq) < 8:
            raise self.fail(
                f"primer {name!r} is {len(seq)} nt; a primer needs at least 8",
                "primer",
                i,
                "sequence",
            )
        if len(seq) > 60:
            raise self.fail(
                f"primer {name!r} is {len(seq)} nt; thermodynamic checks handle at most 60",
                "primer",
                i,
                "sequence",
            )
        direction = self.get_str(entry, "direction", "primer", i)
        if direction not in ("forward", "reverse"):
            raise self.fail(
                f'direction must be "forward" or "reverse", got {direction!r}',
                "primer",
                i,
                "direction",
            )
        line = self.lines.line_of("primer", i, "sequence")
        if ambiguous:
            codes = ", ".join(f"{seq[p - 1]} at {p}" for p in ambiguous)
            self.warnings.append(
                f"{self.source}:{line}: primer {name!r} has IUPAC ambiguity codes ({codes}); "
                "thermodynamics are the worst case over its expansions"
            )
        return Primer(
            name=name,
            sequence=seq,
            direction=direction,
            note=str(entry.get("note", "")),
            label_5prime=str(entry.get("label_5prime", "")).strip(),
            label_3prime=str(entry.get("label_3prime", "")).strip(),
            purification=str(entry.get("purification", "")).strip(),
            ambiguous_positions=ambiguous,
            line=line,
        )

    def primer_ref(
        self,
        data: Mapping[str, Any],
        key: str,
        primers: Mapping[str, Primer],
        table: str,
        index: int | None = None,
    ) -> str:
        """The primer named by ``data[key]`` (forward/reverse): defined, pointing that way."""
        name = self.get_str(data, key, table, index)
        if name not in primers:
            raise self.fail(
                f"{key} names primer {name!r}, which is not defined; defined primers: "
                f"{', '.join(sorted(primers))}",
                table,
                index,
                key,
            )
        if primers[name].direction != key:
            raise self.fail(
                f"{key} names primer {name!r}, whose direction is {primers[name].direction!r} "
                f"(line {primers[name].line}); a reaction's {key} primer must be a {key} primer",
                table,
                index,
                key,
            )
        return name

    def reactions(self, primer_names: Mapping[str, Primer]) -> tuple[Reaction, ...]:
        """Every ``[[reaction]]``; names and deletions unique after normalisation."""
        result: list[Reaction] = []
        seen: dict[tuple[str, str], tuple[str, int]] = {}
        for i, entry in enumerate(self.array("reaction")):
            self.check_keys(entry, _REACTION_KEYS, "reaction", i)
            fwd = self.primer_ref(entry, "forward", primer_names, "reaction", i)
            rev = self.primer_ref(entry, "reverse", primer_names, "reaction", i)
            deletion = self.get_str(entry, "deletion", "reaction", i)
            name = self.get_str(entry, "name", "reaction", i, default=f"{fwd}+{rev}")
            for what, value in (("name", name), ("deletion", deletion)):
                key = (what, normalise_target_name(value))
                if key in seen:
                    raise self.fail(
                        f"duplicate reaction {what} {value!r} "
                        f"(also [[reaction]] #{seen[key][1] + 1}); "
                        f"each reaction needs its own {what}",
                        "reaction",
                        i,
                        what if what in entry else "forward",
                    )
                seen[key] = (value, i)
            result.append(
                Reaction(
                    name=name,
                    deletion=deletion,
                    forward=fwd,
                    reverse=rev,
                    exons_lost=self.exons_lost(entry, i),
                    aliases=self.get_str_list(entry, "aliases", "reaction", i),
                    line=self.lines.line_of("reaction", i),
                )
            )
        return tuple(result)

    def exons_lost(self, entry: Mapping[str, Any], i: int) -> tuple[int, ...]:
        """A reaction's ``exons_lost``: positive whole exon numbers."""
        exons = entry.get("exons_lost", [])
        if not isinstance(exons, list) or not all(
            isinstance(e, int) and not isinstance(e, bool) and e > 0 for e in exons
        ):
            raise self.fail(
                "exons_lost must be a list of exon numbers, e.g. [4, 5, 6, 7]",
                "reaction",
                i,
                "exons_lost",
            )
        return tuple(exons)

    def reference(self, primer_names: Mapping[str, Primer]) -> ReferenceReaction:
        """``[reference]``: the DNA-adequacy reaction (ALB unless named)."""
        data = self.table("reference")
        self.check_keys(data, {"name", "ct_limit", "aliases", "forward", "reverse"}, "reference")
        fwd, rev = (
            self.primer_ref(data, key, primer_names, "reference") if key in data else None
            for key in ("forward", "reverse")
        )
        return ReferenceReaction(
            name=self.get_str(data, "name", "reference", default="ALB"),
            ct_limit=self.get_number(data, "ct_limit", "reference", 32.0, 1.0, 80.0),
            aliases=self.get_str_list(data, "aliases", "reference"),
            forward=fwd,
            reverse=rev,
        )

    def target_index(
        self, reactions: tuple[Reaction, ...], reference: ReferenceReaction
    ) -> dict[str, Target]:
        """Map every normalised target name to its reaction; a name may not mean two."""
        index_: dict[str, Target] = {}
        owner: dict[str, str] = {}
        groups: list[tuple[Target, list[str], str, int | None]] = [
            (r, reaction_names(r), "reaction", i) for i, r in enumerate(reactions)
        ]
        groups.append((reference, [reference.name, *reference.aliases], "reference", None))
        for target, names, table, index in groups:
            for n in names:
                key = normalise_target_name(n)
                if key in owner and owner[key] != target.name:
                    raise self.fail(
                        f"target name {n!r} would mean both {owner[key]!r} and {target.name!r}; "
                        "each name may belong to one reaction only",
                        table,
                        index,
                        "aliases",
                    )
                owner[key] = target.name
                index_[key] = target
        return index_
