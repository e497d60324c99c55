"""A fixed synthetic X12 envelope around exported service lines (no real payer, patient or NPI)."""

from __future__ import annotations

from collections.abc import Sequence

_ISA = (
    "ISA*00*          *00*          *ZZ*SUBMITTER01    *ZZ*RECEIVER01     *260105*1200*^*00501*"
    "000000001*0*T*>~"
)


def envelope_837p(lines: Sequence[str], total: str) -> str:
    """An 837P (005010X222A1) interchange with ``lines`` as its loop 2400."""
    body = [
        "ST*837*0001*005010X222A1~",
        "BHT*0019*00*0123*20260105*1200*CH~",
        "NM1*41*2*SUBMITTER CLINIC*****46*12345~",
        "PER*IC*CONTACT*TE*5555551234~",
        "NM1*40*2*RECEIVER*****46*67890~",
        "HL*1**20*1~",
        "NM1*85*2*BILLING CLINIC*****XX*1234567893~",
        "N3*1 MAIN ST~",
        "N4*ANYTOWN*FL*32801~",
        "REF*EI*123456789~",
        "HL*2*1*22*0~",
        "SBR*P*18*******MB~",
        "NM1*IL*1*DOE*JANE****MI*1EG4TE5MK73~",
        "N3*2 ELM ST~",
        "N4*ANYTOWN*FL*32801~",
        "DMG*D8*19500101*F~",
        "NM1*PR*2*MEDICARE*****PI*09102~",
        f"CLM*VISIT1*{total}***11>B>1*Y*A*Y*Y~",
        "HI*ABK>R2689*ABF>M6281~",
        *lines,
    ]
    return _wrap(body, "005010X222A1")


def envelope_837i(lines: Sequence[str], total: str) -> str:
    """An 837I (005010X223A2) interchange, type of bill 741 (rehab agency), with ``lines``."""
    body = [
        "ST*837*0001*005010X223A2~",
        "BHT*0019*00*0123*20260105*1200*CH~",
        "NM1*41*2*SUBMITTER CLINIC*****46*12345~",
        "PER*IC*CONTACT*TE*5555551234~",
        "NM1*40*2*RECEIVER*****46*67890~",
        "HL*1**20*1~",
        "NM1*85*2*REHAB AGENCY*****XX*1234567893~",
        "N3*1 MAIN ST~",
        "N4*ANYTOWN*FL*328011234~",
        "REF*EI*123456789~",
        "HL*2*1*22*0~",
        "SBR*P*18*******MA~",
        "NM1*IL*1*DOE*JANE****MI*1EG4TE5MK73~",
        "N3*2 ELM ST~",
        "N4*ANYTOWN*FL*32801~",
        "DMG*D8*19500101*F~",
        "NM1*PR*2*MEDICARE*****PI*09102~",
        f"CLM*VISIT1*{total}***74>A>1**A*Y*Y~",
        "DTP*434*RD8*20260105-20260105~",
        "CL1*3**01~",
        "HI*ABK>R2689~",
        "NM1*71*1*THERAPIST*OTTO****XX*1234567893~",
        *lines,
    ]
    return _wrap(body, "005010X223A2")


def _wrap(body: list[str], version: str) -> str:
    count = len(body) + 1
    return "".join(
        [
            _ISA,
            f"GS*HC*SUBMITTER01*RECEIVER01*20260105*1200*1*X*{version}~",
            *body,
            f"SE*{count}*0001~",
            "GE*1*1~",
            "IEA*1*000000001~",
        ]
    )
