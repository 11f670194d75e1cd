from runagents_policy.egress.decision import decide

CAPS = [{"method": "POST", "path": "/echo"}, {"method": "GET", "path": "/repos/{owner}/{repo}/issues"}]


def test_a_call_matching_a_capability_of_a_wired_tool_is_allowed() -> None:
    assert decide(granted=True, capabilities=CAPS, method="post", path="/echo", tool="t", agent="a").decision == "allow"
    assert decide(granted=True, capabilities=CAPS, method="GET", path="/repos/x/y/issues", tool="t",
                  agent="a").decision == "allow"


def test_an_agent_not_wired_to_the_tool_is_denied() -> None:
    verdict = decide(granted=False, capabilities=CAPS, method="POST", path="/echo", tool="t", agent="a")
    assert verdict.decision == "deny" and "not wired" in verdict.reason


def test_a_method_or_path_outside_the_capabilities_is_denied() -> None:
    for method, path in (("DELETE", "/echo"), ("GET", "/repos/x/issues"), ("GET", "/repos/x/y/issues/1")):
        assert decide(granted=True, capabilities=CAPS, method=method, path=path, tool="t",
                      agent="a").decision == "deny", (method, path)


def test_a_tool_without_capabilities_is_limited_by_wiring_only() -> None:
    assert decide(granted=True, capabilities=[], method="PATCH", path="/any", tool="t", agent="a").decision == "allow"
