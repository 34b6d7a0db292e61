"""Write the SYNTHETIC Rotor-Gene ``.rex`` fixture of tests/test_reader_rotorgene.py.

The layout copies a real REX 3.14 run file (Rotor-Gene 6000 Series Software 1.7): an
``<Experiment>`` with ``RexHeader``, ``Samples/Page/Sample`` (tube positions and names),
``ChannelTypes``, ``Record/Field`` (rotor type, versions), the profile, and
``RawChannels/RawChannel`` with one ``Reading`` per tube (values separated by spaces). The
curves are generated (logistic plus seeded noise), not measured; names say SYNTHETIC.

What the tests rely on: a 36-position rotor; 10 named tubes (1-10) of which tube 5 and 6 are
no-template controls; tubes 11-36 read but unnamed (empty positions); two cycling channels,
Green and Yellow, 40 cycles; one HRM melt channel, 70.0-90.0 °C in 0.5 °C steps; tube 3 has
a given concentration of 1000. Run from the repository root and commit the file:

    .venv/bin/python tests/data/qpcr/rotorgene/generate.py
"""

from __future__ import annotations

import math
import random
from pathlib import Path

HERE = Path(__file__).parent
NAME = "SYNTHETIC_rotorgene_run.rex"
TUBES = 36
CYCLES = 40
NAMES = [
    "SYNTHETIC-P01", "SYNTHETIC-P01", "SYNTHETIC-STD", "SYNTHETIC-P02", "SYNTHETIC-NTC",
    "SYNTHETIC-NTC", "SYNTHETIC-P03", "SYNTHETIC-P03", "SYNTHETIC-POS", "SYNTHETIC-POS",
]  # fmt: skip
CTS = [24.0, 24.3, 20.0, 30.5, None, None, 27.0, 27.2, 22.0, 22.1]


def curve(rng: random.Random, ct: float | None) -> list[float]:
    """A raw Rotor-Gene-like curve (0-100 scale) for a tube."""
    base = 2.0 + rng.random()
    return [
        base + (0.0 if ct is None else 60.0 / (1 + math.exp(-(c - ct) / 1.6))) + rng.gauss(0, 0.02)
        for c in range(1, CYCLES + 1)
    ]


def melt(rng: random.Random, tm: float | None) -> list[float]:
    """A falling melt curve with its steepest drop at ``tm``."""
    temps = [70.0 + 0.5 * k for k in range(41)]
    return [
        10.0 + (0.0 if tm is None else 50.0 / (1 + math.exp((t - tm) / 0.7))) + rng.gauss(0, 0.05)
        for t in temps
    ]


def fmt(values: list[float]) -> str:
    # the software writes leading-dot decimals (".418478675516899")
    return " ".join(f"{v:.12f}".lstrip("0") if 0 < v < 1 else f"{v:.12f}" for v in values)


def samples() -> str:
    out = []
    for i, name in enumerate(NAMES, start=1):
        conc = "1000" if i == 3 else "0"
        out.append(
            f"<Sample>\n<ID>{i}</ID>\n<Name>{name}</Name>\n<Type>2</Type>\n"
            f"<GivenConc>{conc}</GivenConc>\n<Selected>True</Selected>\n<Color>0</Color>\n"
            f"<TubePosition>{i}</TubePosition>\n<LinePattern>0</LinePattern>\n</Sample>"
        )
    return "\n".join(out)


def channel(name: str, ref: str, start: str, step: str, label: str, rows: list[str]) -> str:
    readings = "\n".join(f"<Reading>{r}</Reading>" for r in rows)
    return (
        f"<RawChannel>\n<Name>{name}</Name>\n<StartX>{start}</StartX>\n<StepX>{step}</StepX>\n"
        f"<MinXPoints>{len(rows[0].split())}</MinXPoints>\n<XAxisLabel>{label}</XAxisLabel>\n"
        f"<YAxisLabel>Fluorescence</YAxisLabel>\n<ExternalSource></ExternalSource>\n"
        f"{readings}\n<UserChannel>False</UserChannel>\n<Hidden>False</Hidden>\n"
        f"<ChannelTypeRef>{ref}</ChannelTypeRef>\n</RawChannel>"
    )


def document() -> str:
    rng = random.Random(14)
    cts = CTS + [None] * (TUBES - len(CTS))
    green = [fmt(curve(rng, ct)) for ct in cts]
    yellow = [fmt(curve(rng, None if ct is None else ct + 1.0)) for ct in cts]
    hrm = [fmt(melt(rng, None if ct is None else 82.5)) for ct in cts]
    return f"""<?xml version="1.0" encoding="utf-8" ?>

<Experiment>
<RexHeader>REX 3.14</RexHeader>
<Notes>SYNTHETIC run written by tests/data/qpcr/rotorgene/generate.py</Notes>
<Operator>SYNTHETIC</Operator>
<Rotor>1</Rotor>
<StartTime>2024-01-02T09:00:00</StartTime>
<FinishTime>2024-01-02T10:30:00</FinishTime>
<ReactionVolume>20</ReactionVolume>
<Samples>
<Page>
<Name>Page 1</Name>
{samples()}
</Page>
<Page>
<Name>Page 2</Name>
</Page>
</Samples>
<ChannelTypes>
<ChannelType><Name>Green</Name><Gain>5</Gain><Key>[Green][1][1]</Key></ChannelType>
<ChannelType><Name>Yellow</Name><Gain>7</Gain><Key>[Yellow][2][2]</Key></ChannelType>
<ChannelType><Name>HRM</Name><Gain>-2</Gain><Key>[HRM][7][1]</Key></ChannelType>
</ChannelTypes>
<Record>
<Field><Name>Rotor Type</Name><Value>36-Well Rotor</Value></Field>
<Field><Name>Program Version</Name><Value>Rotor-Gene Q Series Software 2.3.5 (SYNTHETIC)</Value></Field>
<Field><Name>Machine Version</Name><Value>Rotor-Gene Q, SYNTHETIC</Value></Field>
</Record>
<RawChannels>
{channel("Cycling A.Green", "[Green][1][1]", "1", "1", "Cycle", green)}
{channel("Cycling A.Yellow", "[Yellow][2][2]", "1", "1", "Cycle", yellow)}
{channel("HRM A.HRM", "[HRM][7][1]", "70", ".5", "deg.", hrm)}
</RawChannels>
<Profile>
<Cycle>
<RepeatCount>{CYCLES}</RepeatCount>
<NormalCyclePoint><Temperature>95</Temperature><RemainFor>10</RemainFor></NormalCyclePoint>
<NormalCyclePoint><Temperature>60</Temperature><RemainFor>30</RemainFor></NormalCyclePoint>
</Cycle>
</Profile>
</Experiment>
"""


def main() -> None:
    (HERE / NAME).write_text(document(), encoding="utf-8", newline="\r\n")


if __name__ == "__main__":
    main()
