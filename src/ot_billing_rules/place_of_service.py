"""CMS place-of-service (POS) codes and the fee schedule rate each one is paid at.

The two-digit codes are CMS's Place of Service Code Set (the code set the
CMS-1500 item 24B and the 837P carry). Under the Physician Fee Schedule the
POS decides whether a service is paid with the facility or the non-facility
practice expense RVU: Pub. 100-04 (Medicare Claims Processing Manual) Ch. 12
§20.4.2 "Site of Service Payment Differential" lists the POS codes paid at
each rate, and 42 CFR 414.22(b)(5)(i) sets the facility PE RVUs for hospital,
SNF, CMHC and ASC services and the non-facility ones for the office, the
patient's home and other settings. A patient who is a hospital inpatient
(POS 21) or outpatient (POS 19, 22) is paid at the facility rate wherever the
encounter took place (the same §20.4.2).

Only the codes that section lists with a rate are held in
:data:`FACILITY_RATE`. The telehealth codes 02 and 10 are accepted too, but
their rate changed by date of service and by CMS rule: it is read by date from
:func:`ot_billing_rules.telehealth.pos_facility_rate` (``None`` where no source
settles it). Any other code is an
:class:`~ot_billing_rules.errors.InvalidOptionError` naming the valid ones —
give ``facility`` explicitly for those.

>>> facility_rate("11"), facility_rate("22"), facility_rate("19")
(False, True, True)
>>> normalize_pos("2")
'02'
"""

from __future__ import annotations

from .errors import InvalidOptionError, InvalidTypeError

__all__ = ["FACILITY_RATE", "POS_NAMES", "TELEHEALTH_POS", "facility_rate", "normalize_pos"]

#: POS code -> its name in the CMS Place of Service Code Set.
POS_NAMES: dict[str, str] = {
    "01": "Pharmacy",
    "02": "Telehealth Provided Other than in Patient's Home",
    "03": "School",
    "04": "Homeless Shelter",
    "09": "Prison/Correctional Facility",
    "10": "Telehealth Provided in Patient's Home",
    "11": "Office",
    "12": "Home",
    "13": "Assisted Living Facility",
    "14": "Group Home",
    "15": "Mobile Unit",
    "16": "Temporary Lodging",
    "17": "Walk-in Retail Health Clinic",
    "19": "Off Campus-Outpatient Hospital",
    "20": "Urgent Care Facility",
    "21": "Inpatient Hospital",
    "22": "On Campus-Outpatient Hospital",
    "23": "Emergency Room - Hospital",
    "24": "Ambulatory Surgical Center",
    "25": "Birthing Center",
    "26": "Military Treatment Facility",
    "31": "Skilled Nursing Facility",
    "32": "Nursing Facility",
    "33": "Custodial Care Facility",
    "34": "Hospice",
    "41": "Ambulance - Land",
    "42": "Ambulance - Air or Water",
    "49": "Independent Clinic",
    "50": "Federally Qualified Health Center",
    "51": "Inpatient Psychiatric Facility",
    "52": "Psychiatric Facility-Partial Hospitalization",
    "53": "Community Mental Health Center",
    "54": "Intermediate Care Facility/Individuals with Intellectual Disabilities",
    "56": "Psychiatric Residential Treatment Center",
    "61": "Comprehensive Inpatient Rehabilitation Facility",
}

_FACILITY = frozenset(
    {"19", "21", "22", "23", "24", "26", "31", "34", "41", "42", "51", "52", "53", "56", "61"}
)

#: The telehealth POS codes (CMS CR 12427): their rate depends on the date of service.
TELEHEALTH_POS = frozenset({"02", "10"})

#: POS code -> whether the PFS pays it at the facility rate (Pub. 100-04 Ch. 12 §20.4.2).
FACILITY_RATE: dict[str, bool] = {
    code: code in _FACILITY for code in POS_NAMES if code not in TELEHEALTH_POS
}


def normalize_pos(value: object) -> str:
    """``value`` as a two-digit POS code this module knows (``"11"``; ``11`` and ``" 11 "`` too)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidTypeError(
            f"place_of_service must be a two-digit CMS POS code such as '11', not "
            f"{type(value).__name__} {value!r}",
            value=value,
            field="place_of_service",
        )
    text = str(value).strip()
    if text.isascii() and text.isdigit() and len(text) == 1:
        text = "0" + text
    if text not in POS_NAMES:
        raise InvalidOptionError(
            f"place_of_service {value!r} is not a POS code with a documented fee schedule rate "
            f"(Pub. 100-04 Ch. 12 §20.4.2) or a telehealth POS; valid: {', '.join(POS_NAMES)} — "
            "or give facility true/false instead",
            value=value,
            field="place_of_service",
            valid=list(POS_NAMES),
        )
    return text


def facility_rate(pos: object) -> bool:
    """Whether POS code ``pos`` is paid at the PFS facility rate (non-facility: ``False``).

    The telehealth codes 02 and 10 have no rate without a date: they are an
    :class:`~ot_billing_rules.errors.InvalidOptionError` pointing to
    :func:`ot_billing_rules.telehealth.pos_facility_rate`.
    """
    code = normalize_pos(pos)
    if code in TELEHEALTH_POS:
        raise InvalidOptionError(
            f"the fee schedule rate of telehealth POS {code} depends on the date of service; "
            "use ot_billing_rules.telehealth.pos_facility_rate(pos, on)",
            value=pos,
            field="place_of_service",
            valid=list(FACILITY_RATE),
        )
    return FACILITY_RATE[code]
