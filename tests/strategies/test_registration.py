"""``st.from_type`` / ``st.builds`` for the library's types (issue 16 item 6), in fresh processes.

The plugin hook (entry point group ``hypothesis``) registers the strategies
when Hypothesis is imported; importing ``ot_billing_rules.strategies``
registers them too when plugins are off.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points

PROBE = textwrap.dedent(
    """
    import sys, warnings
    warnings.simplefilter("ignore")
    import hypothesis
    from hypothesis import strategies as st
    import ot_billing_rules as ob
    if sys.argv[1] == "import-strategies":
        import ot_billing_rules.strategies
    assert "ot_billing_rules.strategies" in sys.modules or sys.argv[1] == "plugin"
    drawn = {
        "Visit": st.from_type(ob.Visit).example(),
        "Service": st.from_type(ob.Service).example(),
        "builds(Service)": st.builds(ob.Service).example(),
        "PlanOfCare": st.from_type(ob.PlanOfCare).example(),
        "PayerPolicy": st.from_type(ob.PayerPolicy).example(),
    }
    ob.audit_visit(drawn["Visit"])
    ob.audit_visit(ob.Visit("2024-07-01", [drawn["Service"]], plan_of_care=drawn["PlanOfCare"],
                            payer=drawn["PayerPolicy"]))
    assert ob.get(drawn["builds(Service)"].code) is not None
    print("ok")
    """
)


def probe(mode: str, *, plugins: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_NO_PLUGINS"}
    if not plugins:
        env["HYPOTHESIS_NO_PLUGINS"] = "1"
    return subprocess.run(
        [sys.executable, "-c", PROBE, mode],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_entry_point_is_declared() -> None:
    hooks = {ep.value for ep in entry_points(group="hypothesis")}
    assert "ot_billing_rules._hypothesis:_hypothesis_setup_hook" in hooks


def test_plugin_alone_registers_every_type() -> None:
    # Only `import hypothesis` and the library: the strategies module is never imported.
    done = probe("plugin", plugins=True)
    assert done.stdout.strip() == "ok", done.stderr


def test_importing_the_strategies_registers_them_without_plugins() -> None:
    done = probe("import-strategies", plugins=False)
    assert done.stdout.strip() == "ok", done.stderr


def test_without_either_from_type_fails() -> None:
    # The control: what the two tests above fix.
    done = probe("plugin", plugins=False)
    assert done.returncode != 0
    assert "ok" not in done.stdout
