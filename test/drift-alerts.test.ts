// Alerts: exact Slack and webhook payloads received by real HTTP servers on 127.0.0.1, retries
// with backoff, dedupe through the SQLite state file, acknowledgements, provider errors as their
// own alert, URLs never printed, and --watch until SIGTERM.
import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { cli } from "./helpers.js";
import { FROM, cliAsync, commit, deployFile, git, gitRepo, receiver, tmp } from "./drift-helpers.js";
import { runRound } from "../src/drift/run.js";
import { alertRound, exitCode, parseUntil } from "../src/drift/actions.js";
import { StateDb } from "../src/drift/state.js";
import { MAX_TIMER_MS, sleep } from "../src/timers.js";
import { postJson } from "../src/drift/alerts.js";

const ENV = { slack: "TEST_SLACK_HOOK", webhook: "TEST_DRIFT_HOOK" };
const saved = { ...process.env };
after(() => {
  for (const k of Object.values(ENV)) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

function repo(): { dir: string; deployed: string; state: string } {
  const dir = gitRepo({
    "shipshape.toml": `[drift]
state = "var/drift.db"
[drift.alerts]
retry_base = "10ms"
timeout = "10s"
retries = 3
[drift.alerts.slack]
webhook_env = "${ENV.slack}"
[drift.alerts.webhook]
url_env = "${ENV.webhook}"

[services.api]
dockerfile = "api/Dockerfile"
context = "."
[services.api.drift]
provider = "file"
path = "deploy/api.json"
`,
    "api/Dockerfile": FROM + "COPY api/ /app/api/\nCOPY shared/ /app/shared/\nCMD [\"python\", \"-m\", \"api.main\"]\n",
    "api/__init__.py": "",
    "api/main.py": "from shared import lock\n",
    "shared/__init__.py": "",
    "shared/lock.py": "X = 1\n",
  });
  const deployed = git(dir, ["rev-parse", "HEAD"]);
  deployFile(dir, "api.json", { name: "api-00007-abc", commit: deployed.slice(0, 7), percent: 100 });
  return { dir, deployed, state: path.join(dir, "var", "drift.db") };
}

describe("payloads", () => {
  test("Slack: readable blocks with the service, how far behind, and the commits (escaped)", async () => {
    const slack = await receiver(() => ({ status: 200, body: "ok" }));
    process.env[ENV.slack] = `${slack.url}/services/T000/B000/XXXX`;
    try {
      const { dir, deployed, state } = repo();
      const c = commit(dir, "shared: lease <30s> & retry", { "shared/lock.py": "X = 2\n" });
      const round = await runRound({ cwd: dir, services: [] });
      const cDate = round.results[0].revisions[0].commits[0].date;
      const errors = await alertRound(round, ["slack"], state);
      assert.deepEqual(errors, []);
      assert.equal(slack.received.length, 1);
      assert.equal(slack.received[0].method, "POST");
      assert.equal(slack.received[0].url, "/services/T000/B000/XXXX");
      assert.deepEqual(slack.received[0].json, {
        text: "api is 1 commit behind HEAD",
        blocks: [
          { type: "header", text: { type: "plain_text", text: "Drift: api" } },
          { type: "section", text: { type: "mrkdwn", text: `*api-00007-abc*, 100% of traffic runs \`${deployed.slice(0, 7)}\`: *1 commit behind* HEAD (stale since ${cDate.slice(0, 10)})` } },
          { type: "section", text: { type: "mrkdwn", text: `• \`${c.slice(0, 7)}\` ${cDate.slice(0, 10)} shared: lease &lt;30s&gt; &amp; retry\n    shared/lock.py` } },
          { type: "context", elements: [{ type: "mrkdwn", text: `shipshape drift · closure: image · HEAD at \`${c.slice(0, 7)}\`` }] },
        ],
      });
    } finally {
      await slack.close();
    }
  });

  test("webhook: the JSON document, retried with backoff on 5xx until it is accepted", async () => {
    const times: number[] = [];
    const hook = await receiver((_r, n) => {
      times.push(Date.now());
      return { status: n < 3 ? (n === 1 ? 500 : 503) : 204 };
    });
    process.env[ENV.webhook] = `${hook.url}/hook`;
    try {
      const { dir, deployed, state } = repo();
      const c = commit(dir, "shared change", { "shared/lock.py": "X = 3\n" });
      const round = await runRound({ cwd: dir, services: [] });
      assert.deepEqual(await alertRound(round, ["webhook"], state), []);
      assert.equal(hook.received.length, 3);
      assert.equal(hook.received[0].body, hook.received[2].body);
      assert.ok(times[1] - times[0] >= 9 && times[2] - times[1] >= 19, `backoff ${times[1] - times[0]}, ${times[2] - times[1]}`);
      const body = hook.received[2].json as Record<string, unknown>;
      assert.equal(body.event, "drift");
      assert.equal(body.service, "api");
      assert.equal(body.state, "STALE");
      assert.equal(body.summary, "api is 1 commit behind HEAD");
      assert.equal(body.head, c);
      assert.match(String(body.fingerprint), /^[0-9a-f]{16}$/);
      const revs = body.revisions as Record<string, unknown>[];
      assert.equal(revs.length, 1);
      assert.equal(revs[0].deployedCommit, deployed);
      assert.equal(revs[0].behind, 1);
      assert.deepEqual((revs[0].commits as { sha: string; files: string[] }[]).map((x) => [x.sha, x.files]), [[c, ["shared/lock.py"]]]);
    } finally {
      await hook.close();
    }
  });

  test("a retry backoff longer than setTimeout takes (retry_base 13d: 13d, 26d, 52d) is waited in full, not retried at once", async () => {
    const hook = await receiver((_r, n) => ({ status: n < 4 ? 503 : 204 }));
    const DAY = 86_400_000;
    const real = globalThis.setTimeout;
    const slept: number[] = [];
    // Long delays are recorded and fast-forwarded (no test waits 91 days); short timers run as they are.
    globalThis.setTimeout = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      if ((ms ?? 0) < 3_600_000) return real(fn, ms, ...args);
      slept.push(ms!);
      return real(fn, 0, ...args);
    }) as typeof setTimeout;
    const attempts: string[] = [];
    try {
      await postJson(`${hook.url}/hook`, { x: 1 }, "webhook", { timeoutMs: 10_000, retries: 3, retryBaseMs: 13 * DAY, onAttempt: (n, o) => attempts.push(`${n} ${o}`) });
    } finally {
      globalThis.setTimeout = real;
      await hook.close();
    }
    assert.deepEqual(attempts, ["1 HTTP 503", "2 HTTP 503", "3 HTTP 503", "4 204"]);
    // A 26-day setTimeout would fire after 1 ms: every step fits, and the steps add up to the backoff.
    assert.ok(slept.every((ms) => ms <= MAX_TIMER_MS), slept.map((ms) => (ms / DAY).toFixed(2)).join(", "));
    assert.equal(slept.reduce((a, b) => a + b, 0), (13 + 26 + 52) * DAY);
  });

  test("4xx is not retried; a timeout is retried; errors never contain the URL", async () => {
    const hook = await receiver((req) => (req.url === "/slow" ? "hang" : { status: 404 }));
    try {
      const { dir, state } = repo();
      commit(dir, "shared change", { "shared/lock.py": "X = 4\n" });
      const round = await runRound({ cwd: dir, services: [] });
      process.env[ENV.webhook] = `${hook.url}/secret-token-404`;
      let errors = await alertRound(round, ["webhook"], state);
      assert.deepEqual(errors, ["api: webhook alert not delivered: HTTP 404"]);
      assert.equal(hook.received.length, 1);
      process.env[ENV.webhook] = `${hook.url}/slow`;
      round.config.alerts.retries = 1;
      round.config.alerts.timeoutMs = 500;
      errors = await alertRound(round, ["webhook"], state);
      assert.deepEqual(errors, ["api: webhook alert not delivered: no answer within 500 ms"]);
      assert.equal(hook.received.length, 3);
      assert.equal(exitCode(round, errors.length > 0), 2);
      // A refused connection: the same words as the http provider's ("unreachable (ECONNREFUSED)").
      const closed = await receiver(() => ({ status: 200 }));
      await closed.close();
      process.env[ENV.webhook] = `${closed.url}/secret-token`;
      errors = await alertRound(round, ["webhook"], state);
      assert.deepEqual(errors, ["api: webhook alert not delivered: unreachable (ECONNREFUSED)"]);
    } finally {
      await hook.close();
    }
  });
});

describe("dedupe and acknowledgements", () => {
  test("the same drift alerts once; a new commit alerts again; an env-only redeploy does not; back to current resets", async () => {
    const hook = await receiver(() => ({ status: 200 }));
    process.env[ENV.webhook] = `${hook.url}/h`;
    try {
      const { dir, deployed, state } = repo();
      const run = async () => alertRound(await runRound({ cwd: dir, services: [] }), ["webhook"], state);
      await run(); // current: nothing
      assert.equal(hook.received.length, 0);
      commit(dir, "change 1", { "shared/lock.py": "X = 5\n" });
      await run();
      await run();
      assert.equal(hook.received.length, 1);
      assert.ok(existsSync(state));
      // An env-only redeploy: a new revision name, the same commit.
      deployFile(dir, "api.json", { name: "api-00008-env", commit: deployed, percent: 100 });
      await run();
      assert.equal(hook.received.length, 1);
      const c2 = commit(dir, "change 2", { "shared/lock.py": "X = 6\n" });
      await run();
      assert.equal(hook.received.length, 2);
      deployFile(dir, "api.json", { commit: c2 });
      await run(); // current: the drift is forgotten
      const db = await StateDb.open(state);
      assert.equal(db.getDrift("api"), null);
      db.close();
      commit(dir, "change 3", { "shared/lock.py": "X = 7\n" });
      await run();
      assert.equal(hook.received.length, 3);
      // A change outside the closure is not a new drift.
      commit(dir, "docs", { "README.md": "hi\n" });
      await run();
      assert.equal(hook.received.length, 3);
    } finally {
      await hook.close();
    }
  });

  test("a provider error is its own alert (once), not silence", async () => {
    const hook = await receiver(() => ({ status: 200 }));
    process.env[ENV.webhook] = `${hook.url}/h`;
    try {
      const { dir, state } = repo();
      rmSync(path.join(dir, "deploy", "api.json"));
      const round = await runRound({ cwd: dir, services: [] });
      assert.equal(round.results[0].state, "UNKNOWN");
      await alertRound(round, ["webhook"], state);
      await alertRound(await runRound({ cwd: dir, services: [] }), ["webhook"], state);
      assert.equal(hook.received.length, 1);
      const body = hook.received[0].json as Record<string, unknown>;
      assert.equal(body.event, "provider_error");
      assert.equal(body.state, "UNKNOWN");
      assert.match(String(body.error), /deploy\/api\.json/);
      // A provider error is not acknowledged away (it keeps exit status 2).
      const ack = cli(["drift", "ack", "api", "--until", "7d", "--reason", "gcloud flaky"], dir);
      assert.equal(ack.status, 2);
      assert.match(ack.stderr, /api is UNKNOWN \(its deployed state could not be read\): fix the provider; only a known drift \(STALE\) can be acknowledged/);
    } finally {
      await hook.close();
    }
  });

  test("a provider error between two rounds of the same drift does not alert that drift again", async () => {
    const hook = await receiver(() => ({ status: 200 }));
    process.env[ENV.webhook] = `${hook.url}/h`;
    try {
      const { dir, deployed, state } = repo();
      commit(dir, "shared changes", { "shared/lock.py": "X = 2\n" });
      const round = async () => alertRound(await runRound({ cwd: dir, services: [] }), ["webhook"], state);
      await round(); // STALE: alerted
      rmSync(path.join(dir, "deploy", "api.json"));
      await round(); // the provider fails: its own alert
      deployFile(dir, "api.json", { name: "api-00007-abc", commit: deployed.slice(0, 7), percent: 100 });
      await round(); // the same drift again: nothing new
      assert.deepEqual(hook.received.map((r) => (r.json as { event: string }).event), ["drift", "provider_error"]);
    } finally {
      await hook.close();
    }
  });

  test("ack silences one known drift until its expiry; a new drift alerts again; acknowledged drift does not fail the exit code", async () => {
    const hook = await receiver(() => ({ status: 200 }));
    process.env[ENV.webhook] = `${hook.url}/h`;
    try {
      const { dir, state } = repo();
      commit(dir, "change 1", { "shared/lock.py": "X = 8\n" });
      let round = await runRound({ cwd: dir, services: [] });
      // Recorded without alerting (no channel), then acknowledged from the CLI.
      await alertRound(round, [], state);
      const ack = cli(["drift", "ack", "api", "--until", "7d", "--reason", "rolling out Monday"], dir);
      assert.equal(ack.status, 0, ack.stderr);
      assert.match(ack.stdout, /^acknowledged api \(api is 1 commit behind HEAD\) until \d{4}-\d\d-\d\dT.*: rolling out Monday$/m);
      round = await runRound({ cwd: dir, services: [] });
      await alertRound(round, ["webhook"], state);
      assert.equal(hook.received.length, 0);
      assert.equal(round.results[0].acknowledged?.reason, "rolling out Monday");
      assert.equal(exitCode(round, false), 0);
      // Past the expiry, the same drift alerts.
      round = await runRound({ cwd: dir, services: [] });
      await alertRound(round, ["webhook"], state, new Date(Date.now() + 8 * 86_400_000));
      assert.equal(hook.received.length, 1);
      assert.equal(exitCode(round, false), 1);
      // A new drift alerts despite an ack of the old one.
      const { dir: dir2, state: state2 } = repo();
      commit(dir2, "change 1", { "shared/lock.py": "X = 9\n" });
      await alertRound(await runRound({ cwd: dir2, services: [] }), [], state2);
      assert.equal(cli(["drift", "ack", "api", "--until", "2099-01-01", "--reason", "known"], dir2).status, 0);
      commit(dir2, "change 2", { "shared/lock.py": "X = 10\n" });
      await alertRound(await runRound({ cwd: dir2, services: [] }), ["webhook"], state2);
      assert.equal(hook.received.length, 2);
    } finally {
      await hook.close();
    }
  });

  test("ack --state FILE records the ack in that file (after the subcommand or before it), not in the default one", async () => {
    const { dir, state: defaultState } = repo();
    commit(dir, "change 1", { "shared/lock.py": "X = 14\n" });
    const other = path.join(tmp(), "elsewhere.db");
    const run = cli(["drift", "--state", other], dir);
    assert.equal(run.status, 1, run.stderr);
    assert.ok(existsSync(other) && !existsSync(defaultState));
    const ack = cli(["drift", "ack", "api", "--until", "7d", "--reason", "freeze", "--state", other], dir);
    assert.equal(ack.status, 0, ack.stderr);
    assert.match(ack.stdout, /^acknowledged api \(api is 1 commit behind HEAD\) until .*: freeze$/m);
    assert.ok(!existsSync(defaultState), "the default state file was written");
    let round = await runRound({ cwd: dir, services: [] });
    await alertRound(round, [], other);
    assert.equal(round.results[0].acknowledged?.reason, "freeze");
    // The parent's --state before the subcommand names the file too.
    const ack2 = cli(["drift", "--state", other, "ack", "api", "--until", "8d", "--reason", "freeze longer"], dir);
    assert.equal(ack2.status, 0, ack2.stderr);
    assert.ok(!existsSync(defaultState));
    round = await runRound({ cwd: dir, services: [] });
    await alertRound(round, [], other);
    assert.equal(round.results[0].acknowledged?.reason, "freeze longer");
    // The report shows it.
    const shown = cli(["drift", "--state", other], dir);
    assert.equal(shown.status, 0);
    assert.match(shown.stdout, /\[acknowledged until .*: freeze longer\]/);
  });

  test("ack of a service with no known drift is an error; --until parsing", () => {
    const { dir } = repo();
    const r = cli(["drift", "ack", "api", "--until", "1d", "--reason", "x"], dir);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /no known drift for api: run shipshape drift first/);
    const now = new Date("2026-11-23T00:00:00Z");
    assert.equal(parseUntil("7d", now).toISOString(), "2026-11-30T00:00:00.000Z");
    assert.equal(parseUntil("2026-12-01", now).toISOString(), "2026-12-01T00:00:00.000Z");
    assert.throws(() => parseUntil("2026-11-01", now), /in the past/);
    assert.throws(() => parseUntil("soon", now), /not a date or duration/);
  });
});

describe("the CLI", () => {
  test("--alert sends, prints no URL, and exits 1 for stale; a failed delivery exits 2 without the URL, with --warn-only too", async () => {
    const hook = await receiver((req) => ({ status: req.url === "/ok" ? 200 : 403 }));
    try {
      const { dir } = repo();
      commit(dir, "change", { "shared/lock.py": "X = 11\n" });
      let r = await cliAsync(["drift", "--alert", "webhook", "api"], dir, { [ENV.webhook]: `${hook.url}/ok` });
      assert.equal(r.status, 1, r.stderr);
      assert.equal(hook.received.length, 1);
      assert.doesNotMatch(r.stdout + r.stderr, /127\.0\.0\.1/);
      const { dir: dir2 } = repo();
      commit(dir2, "change", { "shared/lock.py": "X = 12\n" });
      for (const extra of [[], ["--warn-only"]]) {
        // --warn-only waives the verdict (STALE), not an alert that could not be delivered.
        r = await cliAsync(["drift", "--alert", "webhook", ...extra], dir2, { [ENV.webhook]: `${hook.url}/forbidden-secret` });
        assert.equal(r.status, 2, extra.join(" "));
        assert.match(r.stdout, /^api\s+STALE/m);
        assert.match(r.stderr, /^shipshape: error: api: webhook alert not delivered: HTTP 403$/m);
        assert.doesNotMatch(r.stdout + r.stderr, /forbidden-secret|127\.0\.0\.1/);
      }
      // Delivered: --warn-only exits 0 on STALE.
      r = await cliAsync(["drift", "--alert", "webhook", "--warn-only"], dir2, { [ENV.webhook]: `${hook.url}/ok` });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, "");
    } finally {
      await hook.close();
    }
  });

  test("a state file that cannot be written: the report first, then one line, exit 2 (also with --warn-only and --format json)", async () => {
    const hook = await receiver(() => ({ status: 200 }));
    try {
      const { dir } = repo();
      commit(dir, "change", { "shared/lock.py": "X = 15\n" });
      const blocker = path.join(tmp(), "a-file");
      writeFileSync(blocker, "not a folder\n");
      const state = path.join(blocker, "sub", "state.db");
      for (const extra of [[], ["--warn-only"], ["--format", "json"]]) {
        const r = await cliAsync(["drift", "--state", state, "--alert", "webhook", ...extra], dir, { [ENV.webhook]: `${hook.url}/s` });
        assert.equal(r.status, 2, extra.join(" "));
        if (extra[0] === "--format") assert.equal((JSON.parse(r.stdout) as { services: { state: string }[] }).services[0].state, "STALE");
        else assert.match(r.stdout, /^api\s+STALE\s+1 commit behind/m);
        assert.equal(r.stderr, `shipshape: cannot write state file ${state}: ${blocker} is a file, not a directory\n`);
      }
      // The alert went out each time: nothing recorded that it had.
      assert.equal(hook.received.length, 3);
    } finally {
      await hook.close();
    }
  });

  test("a state file that cannot be read: the report, one line, no alert (it could not be deduplicated), exit 2", async () => {
    const hook = await receiver(() => ({ status: 200 }));
    try {
      const { dir } = repo();
      commit(dir, "change", { "shared/lock.py": "X = 16\n" });
      const state = path.join(tmp(), "a-folder.db");
      mkdirSync(state);
      let r = await cliAsync(["drift", "--state", state, "--alert", "webhook"], dir, { [ENV.webhook]: `${hook.url}/s` });
      assert.equal(r.status, 2);
      assert.match(r.stdout, /^api\s+STALE\s+1 commit behind/m);
      assert.equal(r.stderr, `shipshape: cannot read state file ${state}: illegal operation on a directory (EISDIR)\n`);
      const junk = path.join(tmp(), "junk.db");
      writeFileSync(junk, "this is not SQLite, just text long enough to be a header ..............................\n");
      r = await cliAsync(["drift", "--state", junk, "--alert", "webhook"], dir, { [ENV.webhook]: `${hook.url}/s` });
      assert.equal(r.status, 2);
      assert.match(r.stdout, /^api\s+STALE/m);
      assert.match(r.stderr, /^shipshape: state file .*junk\.db is not a SQLite database \(.*\)\n$/);
      // Another program's SQLite database: the report, and one line naming the file.
      const SQL = await (await import("sql.js")).default();
      const other = new SQL.Database();
      other.exec("CREATE TABLE drift (id INTEGER, note TEXT)");
      const foreign = path.join(tmp(), "foreign.db");
      writeFileSync(foreign, other.export());
      other.close();
      r = await cliAsync(["drift", "--state", foreign, "--alert", "webhook"], dir, { [ENV.webhook]: `${hook.url}/s` });
      assert.equal(r.status, 2);
      assert.match(r.stdout, /^api\s+STALE/m);
      assert.match(r.stderr, /^shipshape: state file .*foreign\.db is a SQLite database, but not shipshape's drift state \(.*\): give --state another file\n$/);
      assert.equal(hook.received.length, 0);
    } finally {
      await hook.close();
    }
  });

  test("--watch with a state file that cannot be written keeps going, says so each round, and still alerts once", async () => {
    const hook = await receiver(() => ({ status: 200 }));
    try {
      const { dir } = repo();
      commit(dir, "change", { "shared/lock.py": "X = 17\n" });
      const blocker = path.join(tmp(), "a-file");
      writeFileSync(blocker, "");
      const state = path.join(blocker, "state.db");
      let stopping = false;
      const r = await cliAsync(["drift", "--watch", "1s", "--alert", "webhook", "--state", state], dir, { [ENV.webhook]: `${hook.url}/w` }, {
        onStdout: (all, child) => {
          if (!stopping && (all.match(/^--- /gm) ?? []).length >= 3 && /\n1 service: /.test(all.slice(all.lastIndexOf("--- ")))) {
            stopping = true; // one SIGTERM: a second one after the watcher stopped would kill it
            child.kill("SIGTERM");
          }
        },
      });
      assert.equal(r.status, 0, r.stderr);
      const rounds = (r.stdout.match(/^--- /gm) ?? []).length;
      assert.ok(rounds >= 3);
      assert.equal((r.stdout.match(/^api\s+STALE\s+1 commit behind/gm) ?? []).length, rounds);
      const lines = r.stderr.trim().split("\n");
      assert.deepEqual(lines.slice(0, -1), Array(rounds).fill(`shipshape: cannot write state file ${state}: ${blocker} is a file, not a directory`));
      assert.equal(lines[lines.length - 1], "shipshape: drift --watch stopped");
      // Deduplicated in memory while the file cannot be written.
      assert.equal(hook.received.length, 1);
    } finally {
      await hook.close();
    }
  });

  test("--watch with an interval longer than setTimeout takes (30d) sleeps, instead of running round after round", async () => {
    const { dir } = repo();
    const state = path.join(tmp(), "long.db");
    let stopping = false;
    const r = await cliAsync(["drift", "--watch", "30d", "--state", state], dir, {}, {
      onStdout: (all, child) => {
        if (!stopping && /\n1 service: /.test(all)) {
          stopping = true;
          child.kill("SIGTERM");
        }
      },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal((r.stdout.match(/^--- /gm) ?? []).length, 1);
    assert.doesNotMatch(r.stderr, /TimeoutOverflowWarning|does not fit/);
    assert.equal(r.stderr, "shipshape: drift --watch stopped\n");
    for (const bad of ["99999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999d", "0.5s"]) {
      const u = cli(["drift", "--watch", bad], dir);
      assert.equal(u.status, 2, bad);
      assert.match(u.stderr, /^shipshape: error: --watch: not an interval of at least 1s: /);
      assert.equal(u.stderr.trim().split("\n").length, 1);
    }
  });

  test("the --watch sleep: 30 days in steps setTimeout can take; woken at once by a signal", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const DAY = 86_400_000;
    let done = false;
    const p = sleep(30 * DAY, {}).then(() => (done = true));
    const settle = () => new Promise((r) => setImmediate(r));
    const MAX = 2 ** 31 - 1; // ~24.8 days: setTimeout fires a longer delay after 1 ms
    t.mock.timers.tick(2);
    await settle();
    assert.equal(done, false, "a 30-day timer fired after 2 ms");
    t.mock.timers.tick(MAX - 2);
    await settle();
    assert.equal(done, false, "woke after 24.8 days");
    t.mock.timers.tick(30 * DAY - MAX - 1);
    await settle();
    assert.equal(done, false, "woke 1 ms early");
    t.mock.timers.tick(1);
    await p;
    assert.equal(done, true);
    const stop: { wake?: () => void } = {};
    let woken = false;
    const q = sleep(30 * DAY, stop).then(() => (woken = true));
    stop.wake!();
    await q;
    assert.equal(woken, true);
  });

  test("--watch: rounds until SIGTERM, clean exit 0, the same drift alerted once", async () => {
    const hook = await receiver(() => ({ status: 200 }));
    try {
      const { dir } = repo();
      commit(dir, "change", { "shared/lock.py": "X = 13\n" });
      const state = path.join(tmp(), "watch.db");
      let stopping = false;
      const r = await cliAsync(["drift", "--watch", "1s", "--alert", "webhook", "--state", state], dir, { [ENV.webhook]: `${hook.url}/w` }, {
        onStdout: (all, child) => {
          if (!stopping && (all.match(/^--- /gm) ?? []).length >= 2 && /\n1 service: /.test(all.slice(all.lastIndexOf("--- ")))) {
            stopping = true;
            child.kill("SIGTERM");
          }
        },
      });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.signal, null);
      assert.ok((r.stdout.match(/^--- /gm) ?? []).length >= 2);
      assert.match(r.stderr, /drift --watch stopped/);
      assert.equal(hook.received.length, 1);
      assert.ok(existsSync(state));
    } finally {
      await hook.close();
    }
  });
});
