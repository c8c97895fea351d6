"""Firewall rule: incoming traffic denied by default, only the allowed ports open.

Whichever firewall is in charge is read: ufw when it is active, else the nftables
ruleset (``nft -j list ruleset``; iptables-nft rules show there too), else
``iptables -S``. No firewall tool at all is a failure ("no firewall"), never a pass.
Loopback and established/related traffic are allowed without counting as open ports.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pytest_devops.errors import GateError
from pytest_devops.hosts.hardening import CommandResult, HardeningConfig, Problem, Runner

Port = tuple[str, int, int]  # (protocol: tcp|udp|any, first, last)


@dataclass
class FirewallState:
    tool: str
    default_deny: bool = False
    open: list[Port] = field(default_factory=list)
    accept_all: list[str] = field(default_factory=list)


def parse_allowed(values: Iterable[str | int]) -> list[Port]:
    out = []
    for value in values:
        text = str(value)
        ports, _, proto = text.partition("/")
        first, _, last = ports.partition("-")
        out.append((proto or "any", int(first), int(last or first)))
    return out


def show(port: Port) -> str:
    proto, first, last = port
    span = str(first) if first == last else f"{first}-{last}"
    return span if proto == "any" else f"{span}/{proto}"


def covered(port: Port, allowed: list[Port]) -> bool:
    proto, first, last = port
    protos = ("tcp", "udp") if proto == "any" else (proto,)
    return all(
        any(a[0] in ("any", p) and a[1] <= first and last <= a[2] for a in allowed) for p in protos
    )


TOOLS = {"ufw": "ufw status verbose", "nft": "nft -j list ruleset", "iptables": "iptables -S"}
_MARK = "@@pytest-devops@@"


def read_tools(runner: Runner) -> dict[str, CommandResult]:
    """Every firewall tool's listing in one round trip (rc 127: not installed)."""
    script = 'PATH="$PATH:/usr/sbin:/sbin"\n'
    for tool, command in TOOLS.items():
        script += (
            f"echo {_MARK}{tool}\n"
            f"if command -v {tool} >/dev/null 2>&1; then {command} 2>&1; "
            f"echo {_MARK}rc $?; else echo {_MARK}rc 127; fi\n"
        )
    found = runner.run(script)
    blocks = re.finditer(rf"{_MARK}(\w+)\n(.*?){_MARK}rc (\d+)\n", found.stdout, re.S)
    return {m.group(1): CommandResult(int(m.group(3)), m.group(2)) for m in blocks}


def state(runner: Runner) -> FirewallState | None:
    """The firewall in charge on the host, or ``None`` when there is none."""
    tools = read_tools(runner)
    missing = CommandResult(127, "")
    ufw = tools.get("ufw", missing)
    if ufw.rc == 0 and "Status: active" in ufw.stdout:
        return parse_ufw(ufw.stdout)
    nft = tools.get("nft", missing)
    found_tool = nft.rc != 127
    if nft.rc == 0 and nft.stdout.strip():
        parsed = parse_nft(nft.stdout)
        if parsed is not None:
            return parsed
    ipt = tools.get("iptables", missing)
    found_tool = found_tool or ipt.rc != 127
    if ipt.rc == 0:
        return parse_iptables(ipt.stdout)
    if found_tool and (ipt.rc not in (0, 127) or nft.rc not in (0, 127)):
        message = (ipt.stdout if ipt.rc not in (0, 127) else nft.stdout).strip().splitlines()
        raise GateError(
            f"cannot read the firewall rules: {message[0] if message else 'permission denied?'}",
            hint="the rules are readable by root only: use sudo (hosts: sudo: true)",
        )
    return FirewallState("nftables" if nft.rc != 127 else "none") if found_tool else None


def parse_ufw(text: str) -> FirewallState:
    fw = FirewallState("ufw")
    m = re.search(r"^Default:\s*(\w+)\s*\(incoming\)", text, re.M)
    fw.default_deny = bool(m and m.group(1) in ("deny", "reject"))
    rules = text.split("\n--", 1)[1] if "\n--" in text else ""
    for line in rules.splitlines()[1:]:
        m = re.match(r"^(\S+(?: \(v6\))?)\s+(ALLOW|LIMIT)(?: IN)?\s+(.+)$", line.strip())
        if m is None:
            continue
        to = m.group(1).replace(" (v6)", "")
        if to == "Anywhere":
            fw.accept_all.append(line.strip())
            continue
        spec, _, proto = to.partition("/")
        for part in spec.split(","):
            first, _, last = part.partition(":")
            if first.isdigit():
                fw.open.append((proto or "any", int(first), int(last or first)))
            else:
                fw.accept_all.append(f"application profile {to} (ports unknown)")
    return fw


def parse_nft(text: str) -> FirewallState | None:
    """``nft -j list ruleset`` -> state; ``None`` when no chain filters incoming traffic."""
    try:
        items = json.loads(text[text.find("{"):]).get("nftables", [])
    except ValueError as exc:
        raise GateError(f"cannot read `nft -j list ruleset` output: {exc}") from None
    chains: dict[tuple[str, str, str], dict[str, Any]] = {}
    rules: dict[tuple[str, str, str], list[list[dict[str, Any]]]] = {}
    for item in items:
        if "chain" in item:
            c = item["chain"]
            chains[(c["family"], c["table"], c["name"])] = c
        elif "rule" in item:
            r = item["rule"]
            rules.setdefault((r["family"], r["table"], r["chain"]), []).append(r.get("expr", []))
    inputs = [k for k, c in chains.items() if (c.get("hook"), c.get("type")) == ("input", "filter")]
    if not inputs:
        return None
    fw = FirewallState("nftables")
    deny = [k for k in inputs if _nft_denies(chains[k], rules.get(k, []))]
    fw.default_deny = bool(deny)
    for key in deny or inputs:
        _nft_walk(key, rules, fw, set())
    return fw


def _verdict(expr: list[dict[str, Any]]) -> tuple[str, Any]:
    for e in expr:
        for verdict in ("accept", "drop", "reject", "jump", "goto"):
            if verdict in e:
                return verdict, e[verdict]
    return "", None


def _nft_denies(chain: Mapping[str, Any], chain_rules: list[list[dict[str, Any]]]) -> bool:
    if chain.get("policy") == "drop":
        return True
    if chain_rules:
        last = chain_rules[-1]
        verdict, _ = _verdict(last)
        return verdict in ("drop", "reject") and not any("match" in e for e in last)
    return False


def _nft_walk(
    key: tuple[str, str, str],
    rules: Mapping[tuple[str, str, str], list[list[dict[str, Any]]]],
    fw: FirewallState,
    seen: set[tuple[str, str, str]],
) -> None:
    if key in seen:
        return
    seen.add(key)
    for expr in rules.get(key, []):
        verdict, arg = _verdict(expr)
        if verdict in ("jump", "goto"):
            _nft_walk((key[0], key[1], arg["target"]), rules, fw, seen)
            continue
        if verdict != "accept":
            continue
        ports: list[Port] = []
        exempt = False
        for e in expr:
            m = e.get("match")
            if not m:
                continue
            left, right = m.get("left", {}), m.get("right")
            payload = left.get("payload", {}) if isinstance(left, dict) else {}
            if payload.get("field") == "dport":
                proto = payload.get("protocol", "any")
                ports += _nft_ports("any" if proto == "th" else proto, right)
            elif "meta" in left and left["meta"].get("key") in ("iif", "iifname") and right == "lo":
                exempt = True
            elif "ct" in left and left["ct"].get("key") == "state":
                states = right if isinstance(right, list) else [right]
                exempt = exempt or set(states) <= {"established", "related"}
        if ports:
            fw.open += ports
        elif not exempt:
            fw.accept_all.append(json.dumps(expr, separators=(",", ":"))[:200])


def _nft_ports(proto: str, right: Any) -> list[Port]:
    if isinstance(right, int):
        return [(proto, right, right)]
    if isinstance(right, dict) and "set" in right:
        return [p for item in right["set"] for p in _nft_ports(proto, item)]
    if isinstance(right, dict) and "range" in right:
        first, last = right["range"]
        return [(proto, int(first), int(last))]
    return [(proto, 1, 65535)]  # a named set or map: assume anything


def parse_iptables(text: str) -> FirewallState:
    """``iptables -S`` -> state (the INPUT chain and the chains it jumps to)."""
    fw = FirewallState("iptables")
    policies: dict[str, str] = {}
    chain_rules: dict[str, list[list[str]]] = {}
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 3 and words[0] == "-P":
            policies[words[1]] = words[2]
        elif len(words) >= 2 and words[0] == "-A":
            chain_rules.setdefault(words[1], []).append(words[2:])
    inputs = chain_rules.get("INPUT", [])
    last = inputs[-1] if inputs else []
    fw.default_deny = policies.get("INPUT") == "DROP" or (
        last[-2:] in (["-j", "DROP"], ["-j", "REJECT"]) and len(last) == 2
    )
    _ipt_walk("INPUT", chain_rules, fw, set())
    return fw


def _opt(words: list[str], *names: str) -> str | None:
    for name in names:
        if name in words[:-1]:
            return words[words.index(name) + 1]
    return None


def _ipt_walk(
    chain: str, chain_rules: Mapping[str, list[list[str]]], fw: FirewallState, seen: set[str]
) -> None:
    if chain in seen:
        return
    seen.add(chain)
    for words in chain_rules.get(chain, []):
        target = _opt(words, "-j", "-g")
        if target is not None and target in chain_rules:
            _ipt_walk(target, chain_rules, fw, seen)
            continue
        if target != "ACCEPT":
            continue
        proto = _opt(words, "-p") or "any"
        ports = _opt(words, "--dport", "--dports", "--destination-port")
        states = _opt(words, "--ctstate", "--state") or ""
        if ports:
            for part in ports.split(","):
                first, _, last = part.partition(":")
                fw.open.append((proto, int(first), int(last or first)))
        elif _opt(words, "-i") == "lo" or (
            states and set(states.split(",")) <= {"RELATED", "ESTABLISHED"}
        ):
            continue
        else:
            fw.accept_all.append(" ".join(["-A", chain, *words]))


def firewall(runner: Runner, config: HardeningConfig) -> list[Problem]:
    assert config.firewall_allow is not None
    fw = state(runner)
    if fw is None:
        return [Problem("no firewall: none of ufw, nft or iptables is installed")]
    if fw.tool == "none" or (fw.tool == "nftables" and not fw.default_deny and not fw.open):
        return [Problem(f"no firewall: {fw.tool} is installed but filters no incoming traffic")]
    out = []
    if not fw.default_deny:
        out.append(Problem(f"{fw.tool}: incoming traffic is not denied by default"))
    out += [Problem(f"{fw.tool}: accepts all incoming traffic: {rule}") for rule in fw.accept_all]
    allowed = parse_allowed(config.firewall_allow)
    extra = sorted({p for p in fw.open if not covered(p, allowed)})
    out += [
        Problem(f"{fw.tool}: port {show(p)} is open but not allowed", {"port": show(p)})
        for p in extra
    ]
    return out
