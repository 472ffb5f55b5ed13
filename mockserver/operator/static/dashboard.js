// The dashboard's live parts: journal, state and faults, polled every second.
// Everything is built with DOM calls and textContent, never innerHTML, so a
// request body cannot inject markup into the page.
"use strict";

const POLL_MS = 1000;
const control = document.body.dataset.control;
const token = new URLSearchParams(window.location.search).get("token");
let lastSequence = 0;

function api(path, options = {}) {
  const headers = { ...(options.headers || {}) };
  if (token) headers["X-Mock-Token"] = token;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  return fetch(control + path, { ...options, headers, cache: "no-store" });
}

async function json(path) {
  const response = await api(path);
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return { body: await response.json(), headers: response.headers };
}

function element(tag, options = {}, children = []) {
  const node = document.createElement(tag);
  if (options.className) node.className = options.className;
  if (options.text !== undefined) node.textContent = options.text;
  if (options.title) node.title = options.title;
  for (const [name, value] of Object.entries(options.data || {})) {
    node.dataset[name] = value;
  }
  for (const child of children) node.append(child);
  return node;
}

function pretty(value) {
  return value === null || value === undefined ? "(empty)" : JSON.stringify(value, null, 2);
}

// journal

function statusClass(status) {
  if (status === 0) return "dropped";
  if (status >= 500) return "status-5xx";
  if (status >= 400) return "status-4xx";
  return "status-ok";
}

function violationsOf(entry) {
  return [...entry.request_violations, ...entry.reply_violations];
}

function entryNode(entry) {
  const violations = violationsOf(entry);
  const classes = ["entry", statusClass(entry.status)];
  if (violations.length) classes.push("has-violations");
  if (entry.error) classes.push("has-error");

  const time = entry.time.slice(11, 23);
  const summary = element("summary", { className: "entry-row" }, [
    element("span", { text: String(entry.sequence) }),
    element("span", { text: time, title: entry.time }),
    element("span", { className: "method", text: entry.method }),
    element("span", { className: "path", text: entry.path, title: entry.path }),
    element("span", { className: "name", text: entry.operation || "–" }),
    element("span", { className: "status", text: entry.status === 0 ? "dropped" : String(entry.status) }),
    element("span", { text: entry.duration_ms.toFixed(1) }),
    element("span", { className: "violation-count", text: violations.length ? String(violations.length) : "" }),
  ]);

  const parts = [];
  if (Object.keys(entry.query).length) parts.push(block("query", pretty(entry.query)));
  parts.push(block("request body", pretty(entry.request_body)));
  parts.push(block(entry.status === 0 ? "answer" : `answer ${entry.status}`,
    entry.status === 0 ? "(none: connection dropped)" : pretty(entry.reply_body)));
  if (entry.request_violations.length) {
    parts.push(violationList("request violations", entry.request_violations));
  }
  if (entry.reply_violations.length) {
    parts.push(violationList("answer violations", entry.reply_violations));
  }
  if (entry.error) parts.push(block("error", entry.error));

  return element("details", {
    className: classes.join(" "),
    data: { sequence: entry.sequence, operation: entry.operation || "", status: entry.status },
  }, [summary, element("div", { className: "entry-body" }, parts)]);
}

function block(title, text) {
  return element("div", { className: "part" }, [
    element("h4", { text: title }),
    element("pre", { text }),
  ]);
}

function violationList(title, violations) {
  const items = violations.map((v) => element("li", { text: v.text }));
  return element("div", { className: "part violations" }, [
    element("h4", { text: title }),
    element("ul", {}, items),
  ]);
}

function applyFilter() {
  const wanted = document.getElementById("journal-filter").value.trim();
  const onlyViolations = document.getElementById("only-violations").checked;
  for (const node of document.querySelectorAll("#entries .entry")) {
    const matches = (!wanted || node.dataset.operation.includes(wanted))
      && (!onlyViolations || node.classList.contains("has-violations"));
    node.hidden = !matches;
  }
}

async function pollJournal() {
  const { body, headers } = await json(`/requests?after=${lastSequence}`);
  const list = document.getElementById("entries");
  for (const entry of body) {
    // An action's own refresh may race the timer's: never show one twice.
    if (entry.sequence <= lastSequence) continue;
    list.append(entryNode(entry));
    lastSequence = Math.max(lastSequence, entry.sequence);
  }
  // The journal forgets its oldest entries, or all of them when cleared:
  // keep only as many of the newest as it still holds.
  const kept = Number(headers.get("X-Mock-Journal-Kept"));
  while (list.children.length > kept) list.firstElementChild.remove();
  document.getElementById("kept").textContent = String(kept);
  document.getElementById("no-entries").hidden = kept > 0;
  if (body.length) applyFilter();
}

// state

function cell(text, className) {
  return element("td", { text: text === null || text === undefined ? "" : String(text), className });
}

function moveButton(runId, how) {
  const button = element("button", { text: how, className: "small" });
  button.type = "button";
  button.addEventListener("click", () => act(`/flow_runs/${runId}/${how}`, { method: "POST" }));
  return button;
}

function renderState(state) {
  const flows = new Map(state.flows.map((flow) => [flow.id, flow.name]));
  const deployments = new Map(state.deployments.map((d) => [d.id, d.name]));

  const deploymentRows = state.deployments.map((d) => element("tr", {}, [
    cell(d.name, "name"),
    cell(flows.get(d.flow_id) || d.flow_id),
    cell(d.paused ? "paused" : "active"),
    cell((d.tags || []).join(", ")),
    cell(d.id, "id"),
  ]));
  document.getElementById("deployments").replaceChildren(...deploymentRows);
  document.getElementById("deployment-count").textContent = String(state.deployments.length);

  const runRows = state.flow_runs.map((run) => {
    const stateType = run.state ? run.state.type : run.state_type;
    const stateName = run.state ? run.state.name : run.state_name;
    const moves = element("td", { className: "moves" },
      ["advance", "complete", "fail"].map((how) => moveButton(run.id, how)));
    return element("tr", {}, [
      cell(run.name, "name"),
      cell(deployments.get(run.deployment_id) || run.deployment_id || ""),
      element("td", {}, [element("span", {
        className: `state state-${String(stateType).toLowerCase()}`, text: stateName || stateType,
      })]),
      cell((run.expected_start_time || "").replace("T", " ").slice(0, 19)),
      cell(run.id, "id"),
      moves,
    ]);
  });
  document.getElementById("flow-runs").replaceChildren(...runRows);
  document.getElementById("flow-run-count").textContent = String(state.flow_runs.length);
}

async function pollState() {
  const [{ body: state }, { body: settings }] = await Promise.all([
    json("/state"), json("/settings"),
  ]);
  renderState(state);
  document.getElementById("mode").textContent = settings.mode;
  document.getElementById("lifecycle").textContent = settings.lifecycle;
}

// faults

async function pollFaults() {
  const { body } = await json("/faults");
  const rows = body.rules.map((rule, index) => element("tr", {}, [
    cell(index), cell(rule.description), cell(rule.hits),
  ]));
  if (!rows.length) {
    const none = element("td", { text: "No fault rules: every call is answered normally.", className: "empty" });
    none.colSpan = 3;
    rows.push(element("tr", {}, [none]));
  }
  document.getElementById("fault-rules").replaceChildren(...rows);
  document.getElementById("seed-line").textContent = `Draws seeded with ${body.seed}.`;
}

// actions

async function act(path, options, messageId) {
  const response = await api(path, options);
  if (messageId) {
    const message = document.getElementById(messageId);
    if (response.ok) {
      message.textContent = "Applied.";
      message.className = "message ok";
    } else {
      const body = await response.json().catch(() => ({}));
      message.textContent = body.detail || `failed: ${response.status}`;
      message.className = "message error";
    }
  }
  await tick();
}

function wire() {
  document.getElementById("clear-journal").addEventListener("click",
    () => act("/requests", { method: "DELETE" }));
  document.getElementById("reset-state").addEventListener("click",
    () => act("/reset", { method: "POST" }));
  document.getElementById("clear-faults").addEventListener("click",
    () => act("/faults", { method: "DELETE" }));
  document.getElementById("apply-faults").addEventListener("click", () => act("/faults", {
    method: "PUT", body: document.getElementById("fault-plan").value,
  }, "fault-message"));
  document.getElementById("journal-filter").addEventListener("input", applyFilter);
  document.getElementById("only-violations").addEventListener("change", applyFilter);
}

async function tick() {
  const live = document.getElementById("live");
  try {
    await Promise.all([pollJournal(), pollState(), pollFaults()]);
    live.textContent = `live · ${new Date().toLocaleTimeString()}`;
    live.className = "live ok";
  } catch (error) {
    live.textContent = `offline: ${error.message}`;
    live.className = "live error";
  }
}

async function loop() {
  await tick();
  window.setTimeout(loop, POLL_MS);
}

wire();
loop();
