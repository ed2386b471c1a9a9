# Copyright: (c) 2026, winrepair.windows_update contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ladder: rung order, the default cause map, recommended_rungs, next_rung, last resorts."""
from __future__ import annotations


import pytest  # noqa: E402

from ansible_collections.winrepair.windows_update.plugins.plugin_utils._ladder import ladder  # noqa: E402


def cause(name, confidence="medium"):
    return {"name": name, "confidence": confidence, "evidence": ["test"]}


def rungs(result):
    return [r["rung"] for r in result]


def test_rungs_are_in_climbing_order():
    assert ladder.RUNGS == ("preflight", "sfc_dism", "reset", "catalog_install", "inplace_upgrade", "manual")
    assert [ladder.rung_index(r) for r in ladder.RUNGS] == list(range(6))
    with pytest.raises(ValueError):
        ladder.rung_index("reimage")


def test_every_rung_is_described_and_every_mapped_rung_exists():
    assert set(ladder.RUNG_INFO) == set(ladder.RUNGS)
    for name, entry in ladder.DEFAULT_CAUSE_MAP.items():
        assert entry["rungs"], name
        for rung in entry["rungs"]:
            assert rung in ladder.RUNGS, (name, rung)
        assert entry["why"], name


@pytest.mark.parametrize("name, first", [
    ("pending_reboot", "preflight"),
    ("low_disk", "preflight"),
    ("corrupt_system_files", "sfc_dism"),
    ("corrupt_component_store", "sfc_dism"),
    ("corrupt_download_cache", "reset"),
    ("inconsistent_catroot2", "reset"),
    ("insider_build_conflict", "catalog_install"),
    ("forward_delta_hydration", "inplace_upgrade"),
    ("storage_fault", "manual"),
    ("third_party_filter_driver", "manual"),
])
def test_default_first_rung_of_each_cause(name, first):
    assert ladder.DEFAULT_CAUSE_MAP[name]["rungs"][0] == first


def test_no_causes_no_rungs():
    assert ladder.recommended_rungs([]) == []
    assert ladder.recommended_rungs(None) == []


def test_preflight_leads_and_rungs_follow_the_ladder_not_the_input_order():
    result = ladder.recommended_rungs([cause("forward_delta_hydration", "high"),
                                       cause("corrupt_download_cache"),
                                       cause("corrupt_component_store")])
    assert rungs(result) == ["preflight", "sfc_dism", "reset", "inplace_upgrade"]
    assert result[0]["causes"] == [] and result[0]["reasons"][0]["cause"] is None
    assert result[-1]["causes"] == ["forward_delta_hydration"]
    assert "repair install" in result[-1]["reasons"][0]["why"]


def test_causes_sharing_a_rung_are_merged_strongest_first():
    result = ladder.recommended_rungs([cause("inconsistent_catroot2", "low"),
                                       cause("corrupt_download_cache", "high")])
    reset = [r for r in result if r["rung"] == "reset"][0]
    assert reset["causes"] == ["corrupt_download_cache", "inconsistent_catroot2"]
    assert [r["confidence"] for r in reset["reasons"]] == ["high", "low"]


def test_storage_fault_blocks_everything_and_says_back_up():
    result = ladder.recommended_rungs([cause("corrupt_download_cache"), cause("storage_fault", "high")])
    assert rungs(result) == ["manual", "preflight", "reset"]
    assert result[0]["blocking"] is True and result[0]["needs_person"] is True
    assert "back up first" in result[0]["reasons"][0]["why"]
    assert all(r["blocking"] is False for r in result[1:])


def test_pending_reboot_goes_to_preflight_without_a_duplicate_generic_reason():
    result = ladder.recommended_rungs([cause("pending_reboot", "high")])
    assert rungs(result) == ["preflight"]
    assert [r["cause"] for r in result[0]["reasons"]] == ["pending_reboot"]


def test_insider_names_manual_as_fallback():
    result = ladder.recommended_rungs([cause("insider_build_conflict")])
    entry = [r for r in result if r["rung"] == "catalog_install"][0]
    assert entry["reasons"][0]["fallbacks"] == ["manual"]
    assert "superseding" in entry["reasons"][0]["why"]


def test_disabled_rung_moves_the_cause_up_the_ladder():
    enabled = ["preflight", "sfc_dism", "reset", "catalog_install"]
    result = ladder.recommended_rungs([cause("forward_delta_hydration", "high")], enabled_rungs=enabled)
    assert rungs(result) == ["preflight", "manual"]
    assert result[-1]["reasons"][0]["note"] == "inplace_upgrade is disabled"

    result = ladder.recommended_rungs([cause("corrupt_download_cache")], enabled_rungs=["sfc_dism", "inplace_upgrade"])
    # reset disabled -> the next enabled rung above it; preflight disabled -> not added.
    assert rungs(result) == ["inplace_upgrade"]


def test_disabled_first_choice_uses_the_enabled_alternative():
    result = ladder.recommended_rungs([cause("insider_build_conflict")], enabled_rungs=["preflight", "reset"])
    assert rungs(result) == ["preflight", "manual"]
    assert result[-1]["reasons"][0]["note"] == "catalog_install is disabled"


def test_manual_cannot_be_disabled_and_unknown_rungs_are_refused():
    assert ladder.next_rung("inplace_upgrade", enabled_rungs=[]) == "manual"
    with pytest.raises(ValueError):
        ladder.recommended_rungs([cause("low_disk")], enabled_rungs=["prefilght"])


def test_cause_map_override_and_unknown_cause():
    override = {"third_party_filter_driver": {"rungs": ("catalog_install",), "why": "offline install"}}
    result = ladder.recommended_rungs([cause("third_party_filter_driver"), cause("martian_interference")],
                                      cause_map=override)
    assert rungs(result) == ["preflight", "catalog_install", "manual"]
    assert result[1]["reasons"][0]["why"] == "offline install"
    assert result[2]["causes"] == ["martian_interference"]
    assert "person" in result[2]["reasons"][0]["why"]
    # The default map is not changed by an override.
    assert ladder.DEFAULT_CAUSE_MAP["third_party_filter_driver"]["rungs"] == ("manual",)


def test_next_rung_climbs_enabled_rungs():
    assert ladder.next_rung(None) == "preflight"
    assert ladder.next_rung("preflight") == "sfc_dism"
    assert ladder.next_rung("sfc_dism", enabled_rungs=["preflight", "sfc_dism", "inplace_upgrade"]) == "inplace_upgrade"
    assert ladder.next_rung("manual") is None


def test_last_resorts_need_a_person_and_are_copies():
    items = ladder.last_resorts()
    assert [i["name"] for i in items] == ["reset_this_pc_keep_files", "clean_install", "wait_next_cumulative"]
    assert all(i["needs_person"] for i in items)
    items[0]["name"] = "changed"
    assert ladder.last_resorts()[0]["name"] == "reset_this_pc_keep_files"
