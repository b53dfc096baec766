// Deployed state from the providers: Cloud Run and Kubernetes through fake `gcloud`/`kubectl`
// executables first on PATH that print documents of the real shape (test/fixtures/drift), an
// HTTP endpoint on 127.0.0.1, a command. Provider failures are UNKNOWN, never "no drift".
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { FROM, cliAsync, commit, fakeTools, fixture, git, gitRepo, receiver, tmp } from "./drift-helpers.js";
import { runRound, ServiceDrift } from "../src/drift/run.js";
import { exitCode } from "../src/drift/actions.js";
import { jsonPath } from "../src/drift/providers.js";

const savedEnv = { PATH: process.env.PATH, FAKE_DIR: process.env.FAKE_DIR };
const tools = fakeTools();
before(() => Object.assign(process.env, tools.env));
after(() => {
  process.env.PATH = savedEnv.PATH;
  if (savedEnv.FAKE_DIR === undefined) delete process.env.FAKE_DIR;
  else process.env.FAKE_DIR = savedEnv.FAKE_DIR;
});

function repo(driftToml: string): string {
  return gitRepo({
    "shipshape.toml": `[services.api]\ndockerfile = "api/Dockerfile"\ncontext = "."\n[services.api.drift]\n${driftToml}`,
    "api/Dockerfile": FROM + "COPY api/ /app/api/\nCOPY shared/ /app/shared/\nCMD [\"python\", \"-m\", \"api.main\"]\n",
    "api/__init__.py": "",
    "api/main.py": "from shared import lock\n",
    "shared/__init__.py": "",
    "shared/lock.py": "X = 1\n",
  });
}

async function round(dir: string): Promise<{ api: ServiceDrift; code: number }> {
  const r = await runRound({ cwd: dir, services: [] });
  return { api: r.results[0], code: exitCode(r, false) };
}

function resetFakes(): void {
  for (const f of readdirSync(tools.dir)) rmSync(path.join(tools.dir, f), { force: true });
}

function cloudRunDocs(revisions: Record<string, { label: string; env: string; tag: string; created: string }>, service = "cloudrun-service.json", vars: Record<string, string> = {}): void {
  resetFakes();
  writeFileSync(path.join(tools.dir, "service-api.json"), fixture(service, { NEW_COMMIT: "0000000", ...vars }));
  for (const [name, r] of Object.entries(revisions)) {
    writeFileSync(path.join(tools.dir, `revision-${name}.json`), fixture("cloudrun-revision.json", { NAME: name, LABEL_COMMIT: r.label, ENV_COMMIT: r.env, TAG: r.tag, CREATED: r.created }));
  }
}

const CLOUDRUN = `provider = "cloudrun"\nregion = "europe-west1"\nproject = "example-project"\n`;

describe("Cloud Run", () => {
  test("6. the newest revision is not what runs: every revision serving traffic (90/10 split) is judged, the newest at 0% is not", async () => {
    const dir = repo(CLOUDRUN);
    const old = git(dir, ["rev-parse", "HEAD"]);
    const change = commit(dir, "shared change", { "shared/lock.py": "X = 2\n" });
    cloudRunDocs({
      "api-00007-abc": { label: old.slice(0, 7), env: old, tag: old.slice(0, 7), created: "2026-11-01T00:00:00.000000Z" },
      "api-00008-def": { label: change, env: change, tag: change.slice(0, 7), created: "2026-11-20T00:00:00.000000Z" },
      // The newest revision, at 0% behind the "latest" tag: an env-only redeploy of the new commit.
      "api-00009-env": { label: change, env: change, tag: change.slice(0, 7), created: "2026-11-21T00:00:00.000000Z" },
    });
    const { api, code } = await round(dir);
    assert.equal(code, 1);
    assert.equal(api.state, "STALE");
    assert.deepEqual(
      api.revisions.map((r) => [r.revision, r.percent, r.state, r.commit, r.commitSource]),
      [
        ["api-00007-abc", 90, "STALE", old, "label commit-sha"],
        ["api-00008-def", 10, "CURRENT", change, "label commit-sha"],
      ],
    );
    assert.deepEqual(api.revisions[0].commits.map((c) => c.sha), [change]);
    assert.match(api.revisions[0].digest!, /@sha256:4f1c2b3a/);
    assert.equal(api.revisions[0].deployedAt, "2026-11-01T00:00:00.000000Z");
    const log = tools.log();
    assert.deepEqual(log, [
      "gcloud run services describe api --format=json --region=europe-west1 --project=example-project",
      "gcloud run revisions describe api-00007-abc --format=json --region=europe-west1 --project=example-project",
      "gcloud run revisions describe api-00008-def --format=json --region=europe-west1 --project=example-project",
    ]);
  });

  test("an env-only redeploy (new revision, same old commit, created after the change) is still stale", async () => {
    const dir = repo(CLOUDRUN);
    const old = git(dir, ["rev-parse", "HEAD"]);
    const change = commit(dir, "shared change", { "shared/lock.py": "X = 3\n" });
    const doc = JSON.parse(fixture("cloudrun-service.json", { NEW_COMMIT: old }));
    doc.status.traffic = [{ latestRevision: true, percent: 100, revisionName: "api-00009-env" }];
    resetFakes();
    writeFileSync(path.join(tools.dir, "service-api.json"), JSON.stringify(doc));
    writeFileSync(path.join(tools.dir, "revision-api-00009-env.json"), fixture("cloudrun-revision.json", { NAME: "api-00009-env", LABEL_COMMIT: old, ENV_COMMIT: old, TAG: "latest", CREATED: new Date(Date.now() + 86_400_000).toISOString() }));
    const { api } = await round(dir);
    assert.equal(api.state, "STALE");
    assert.equal(api.revisions[0].basis, "commit");
    assert.deepEqual(api.revisions[0].commits.map((c) => c.sha), [change]);
  });

  test("the commit from the BUILD_COMMIT env var when there is no label; a configured label name", async () => {
    const dir = repo(CLOUDRUN);
    const head = git(dir, ["rev-parse", "HEAD"]);
    const doc = JSON.parse(fixture("cloudrun-service.json", { NEW_COMMIT: head }));
    doc.status.traffic = [{ percent: 100, revisionName: "api-00002-xyz" }];
    resetFakes();
    writeFileSync(path.join(tools.dir, "service-api.json"), JSON.stringify(doc));
    writeFileSync(path.join(tools.dir, "revision-api-00002-xyz.json"), fixture("cloudrun-revision.json", { NAME: "api-00002-xyz", LABEL_COMMIT: "", ENV_COMMIT: head, TAG: "latest", CREATED: "2026-11-01T00:00:00Z" }));
    const { api, code } = await round(dir);
    assert.equal(code, 0);
    assert.equal(api.revisions[0].commitSource, "env BUILD_COMMIT");
    assert.equal(api.state, "CURRENT");

    const dir2 = repo(CLOUDRUN + `commit_label = "git-rev"\n`);
    const { api: a2 } = await round(dir2);
    // The configured label is absent: no commit is known, so the verdict is by time, and says so.
    assert.equal(a2.revisions[0].commit, null);
    assert.equal(a2.revisions[0].basis, "time");
    assert.match(a2.revisions[0].reason!, /no commit recorded: judged by committer time against the deploy time 2026-11-01T00:00:00Z/);
  });

  test("gcloud errors, a missing gcloud and a hung gcloud are UNKNOWN with the reason (exit 2), never current", async () => {
    const dir = repo(CLOUDRUN + `timeout = "1500ms"\n`);
    resetFakes();
    writeFileSync(path.join(tools.dir, "gcloud-fail"), "ERROR: (gcloud.run.services.describe) PERMISSION_DENIED: Permission 'run.services.get' denied on resource\n");
    let r = await round(dir);
    assert.equal(r.code, 2);
    assert.equal(r.api.state, "UNKNOWN");
    assert.match(r.api.error!, /^gcloud run services describe failed \(exit 1\): ERROR: \(gcloud\.run\.services\.describe\) PERMISSION_DENIED/);

    resetFakes();
    r = await round(dir); // no service document: the real "Cannot find service" error
    assert.match(r.api.error!, /Cannot find services \[api\]/);

    resetFakes();
    writeFileSync(path.join(tools.dir, "gcloud-sleep"), "");
    r = await round(dir);
    assert.match(r.api.error!, /timed out after 1500 ms/);

    const saved = process.env.PATH;
    // A PATH with git and nothing else.
    const only = tmp("shipshape-path-");
    symlinkSync(execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim(), path.join(only, "git"));
    process.env.PATH = only;
    try {
      r = await round(dir);
    } finally {
      process.env.PATH = saved;
    }
    assert.equal(r.api.error, "gcloud not found on PATH");
    assert.equal(r.code, 2);
  });

  test("a service with no traffic targets is UNKNOWN", async () => {
    const dir = repo(CLOUDRUN);
    const doc = JSON.parse(fixture("cloudrun-service.json", { NEW_COMMIT: "abc" }));
    doc.status.traffic = [];
    resetFakes();
    writeFileSync(path.join(tools.dir, "service-api.json"), JSON.stringify(doc));
    const r = await round(dir);
    assert.equal(r.api.state, "UNKNOWN");
    assert.match(r.api.error!, /status\.traffic is empty/);
  });
});

describe("Kubernetes", () => {
  const K8S = `provider = "kubernetes"\ndeployment = "worker"\nnamespace = "prod"\n`;
  function deployment(vars: Record<string, string | number>): void {
    resetFakes();
    writeFileSync(path.join(tools.dir, "deployment-worker.json"), fixture("k8s-deployment.json", { REPLICAS: 3, UPDATED: "2026-11-02T00:00:00Z", ...vars }));
  }

  test("the commit from a pod-template annotation; a semantic version label is not a commit", async () => {
    const dir = repo(K8S);
    const head = git(dir, ["rev-parse", "HEAD"]);
    deployment({ ANNOTATION_KEY: "shipshape.dev/commit", ANNOTATION_COMMIT: head.slice(0, 9), TAG: "1.4.2" });
    const r = await round(dir);
    assert.equal(r.code, 0);
    assert.equal(r.api.state, "CURRENT");
    assert.equal(r.api.revisions[0].commitSource, "annotation shipshape.dev/commit");
    assert.equal(r.api.revisions[0].revision, "worker (rollout 14)");
    assert.deepEqual(tools.log(), ["kubectl get deployment worker -o json -n prod"]);
  });

  test("the commit from the image tag; a rollout in progress is noted", async () => {
    const dir = repo(K8S);
    const old = git(dir, ["rev-parse", "HEAD"]);
    commit(dir, "shared", { "shared/lock.py": "X = 9\n" });
    deployment({ ANNOTATION_KEY: "team", ANNOTATION_COMMIT: "payments", TAG: `sha-${old.slice(0, 7)}`, REPLICAS: 4 });
    const r = await round(dir);
    assert.equal(r.api.state, "STALE");
    assert.equal(r.api.revisions[0].commitSource, "image tag");
    assert.equal(r.api.revisions[0].image, `registry.example.com/apps/worker:sha-${old.slice(0, 7)}`);
    assert.match(r.api.revisions[0].reason!, /rollout in progress: 3 of 4 replicas updated/);
  });

  /** The fixture Deployment with the pod template's annotations, labels and env replaced. */
  function deploymentWith(t: { annotations?: Record<string, string>; labels?: Record<string, string>; env?: { name: string; value: string }[] }): void {
    const doc = JSON.parse(fixture("k8s-deployment.json", { REPLICAS: 3, UPDATED: "2026-12-01T00:00:00Z", ANNOTATION_KEY: "team", ANNOTATION_COMMIT: "payments", TAG: "latest" }));
    const md = doc.spec.template.metadata;
    md.annotations = t.annotations ?? {};
    md.labels = { app: "worker", ...t.labels };
    if (t.env) doc.spec.template.spec.containers[0].env = t.env;
    resetFakes();
    writeFileSync(path.join(tools.dir, "deployment-worker.json"), JSON.stringify(doc));
  }

  test("commit_label and commit_annotation both configured: both keys are read (never a silent fall back to the deploy time)", async () => {
    const dir = repo(K8S + `commit_label = "build-commit"\ncommit_annotation = "example.com/commit"\n`);
    const old = git(dir, ["rev-parse", "HEAD"]);
    const change = commit(dir, "shared", { "shared/lock.py": "X = 10\n" });
    // Deployed (by time) after the change: judged by time, this would be CURRENT.
    deploymentWith({ annotations: { "example.com/commit": old } });
    let r = await round(dir);
    assert.equal(r.api.state, "STALE", JSON.stringify(r.api));
    assert.equal(r.api.revisions[0].commitSource, "annotation example.com/commit");
    assert.deepEqual(r.api.revisions[0].commits.map((c) => c.sha), [change]);
    deploymentWith({ labels: { "build-commit": old.slice(0, 7) } });
    r = await round(dir);
    assert.equal(r.api.state, "STALE", JSON.stringify(r.api));
    assert.equal(r.api.revisions[0].commitSource, "label build-commit");
    // Neither is set: the verdict is by time, and it names the keys it looked for and what to do.
    deploymentWith({ annotations: { "commit-sha": old }, labels: { commit: old } });
    r = await round(dir);
    assert.equal(r.api.revisions[0].commit, null);
    assert.equal(r.api.revisions[0].basis, "time");
    assert.match(r.api.revisions[0].reason!, /; looked for it only under label build-commit or annotation example\.com\/commit \(as configured\), and it is not set$/);
    assert.equal(r.api.revisions[0].fix, "record the commit under label build-commit or annotation example.com/commit at deploy time, or point commit_label or commit_annotation at where it is recorded");
  });

  test("commit_env configured: only that variable is read; the well-known label keys do not win over it", async () => {
    const dir = repo(K8S + `commit_env = "APP_BUILD_SHA"\n`);
    const old = git(dir, ["rev-parse", "HEAD"]);
    const change = commit(dir, "shared", { "shared/lock.py": "X = 11\n" });
    // A stale `commit-sha` annotation from a template copied around says HEAD; the variable says what was built.
    deploymentWith({ annotations: { "commit-sha": change }, env: [{ name: "APP_BUILD_SHA", value: old }] });
    let r = await round(dir);
    assert.equal(r.api.revisions[0].commitSource, "env APP_BUILD_SHA");
    assert.equal(r.api.state, "STALE");
    deploymentWith({ annotations: { "commit-sha": change }, env: [{ name: "BUILD_COMMIT", value: change }] });
    r = await round(dir);
    assert.equal(r.api.revisions[0].commit, null);
    assert.match(r.api.revisions[0].reason!, /looked for it only under env APP_BUILD_SHA \(as configured\), and it is not set$/);
  });

  test("kubectl errors are UNKNOWN with the reason", async () => {
    const dir = repo(K8S);
    resetFakes();
    const r = await round(dir);
    assert.equal(r.code, 2);
    assert.match(r.api.error!, /kubectl get deployment worker failed \(exit 1\): Error from server \(NotFound\)/);
  });
});

describe("HTTP endpoint", () => {
  test("a JSON path into /version", async () => {
    let head = "";
    const server = await receiver((req) => (req.url === "/version" ? { status: 200, body: JSON.stringify({ build: { commit: head, time: "2026-11-01T00:00:00Z" } }) } : { status: 404 }));
    try {
      const dir = repo(`provider = "http"\nurl = "${server.url}/version"\njson_path = "build.commit"\n`);
      head = git(dir, ["rev-parse", "HEAD"]);
      let r = await round(dir);
      assert.equal(r.api.state, "CURRENT", JSON.stringify(r.api));
      assert.equal(r.api.revisions[0].commitSource, "build.commit");
      commit(dir, "shared", { "shared/lock.py": "X = 5\n" });
      r = await round(dir);
      assert.equal(r.api.state, "STALE");
      assert.equal(server.received.length, 2);
    } finally {
      await server.close();
    }
  });

  test("an HTML answer (a login page, a proxy's error page) says 'answered HTML, not JSON', with its title", async () => {
    const page = `<!DOCTYPE html>\n<html><head><title>Sign in - Example SSO</title></head><body><form>...</form></body></html>\n`;
    const server = await receiver((req): { status: number; body?: string; headers?: Record<string, string> } => {
      if (req.url === "/version") return { status: 302, headers: { location: "/login?next=%2Fversion&state=s3cr3t" } };
      if (req.url?.startsWith("/login")) return { status: 200, body: page, headers: { "content-type": "text/html; charset=utf-8" } };
      // A proxy error page served with 200 and the wrong content type.
      return { status: 200, body: "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>\n" };
    });
    try {
      for (const jp of ["", `json_path = "build.commit"\n`]) {
        const dir = repo(`provider = "http"\nurl = "${server.url}/version"\n${jp}`);
        const r = await round(dir);
        assert.equal(r.code, 2);
        assert.equal(r.api.state, "UNKNOWN");
        assert.equal(r.api.error, `${server.url}/version answered HTML, not JSON (page title "Sign in - Example SSO"), after a redirect to ${server.url}/login: a login page or a proxy's error page? Point url at an endpoint that returns the commit`);
      }
      const dir = repo(`provider = "http"\nurl = "${server.url}/health"\n`);
      const r = await round(dir);
      assert.match(r.api.error!, /\/health answered HTML, not JSON \(page title "502 Bad Gateway"\): /);
    } finally {
      await server.close();
    }
  });

  test("an answer whose body stalls after the headers, or whose connection is reset mid-body, says so (not 'empty answer')", async () => {
    const server = createServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
      res.write('{"commit": "0123');
      if (req.url === "/reset") setTimeout(() => req.socket.destroy(), 50);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      let r = await round(repo(`provider = "http"\nurl = "${base}/stall?token=s3cret"\ntimeout = "400ms"\n`));
      assert.equal(r.code, 2);
      assert.equal(r.api.state, "UNKNOWN");
      assert.equal(r.api.error, `${base}/stall: no complete answer within 400 ms (the body stalled after the headers)`);
      r = await round(repo(`provider = "http"\nurl = "${base}/reset"\ntimeout = "10s"\n`));
      assert.equal(r.code, 2);
      assert.equal(r.api.error, `${base}/reset: connection lost while reading the answer (other side closed)`);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  test("HTTP 500, an unreachable endpoint and a timeout are UNKNOWN with the reason", async () => {
    const server = await receiver((req) => (req.url === "/hang" ? "hang" : { status: 500, body: "{}" }));
    const closed = await receiver(() => ({ status: 200 }));
    await closed.close();
    try {
      const cases: [string, string, RegExp][] = [
        [`${server.url}/health`, "10s", /answered HTTP 500$/],
        [`${closed.url}/version?token=s3cret`, "10s", /\/version: unreachable \(ECONNREFUSED\)$/],
        [`${server.url}/hang`, "300ms", /\/hang: no answer within 300 ms$/],
      ];
      for (const [url, timeout, re] of cases) {
        const dir = repo(`provider = "http"\nurl = "${url}"\ntimeout = "${timeout}"\n`);
        const r = await round(dir);
        assert.equal(r.code, 2, url);
        assert.equal(r.api.state, "UNKNOWN");
        assert.match(r.api.error!, re);
        assert.doesNotMatch(r.api.error!, /s3cret/); // a token in the query string is never printed
      }
    } finally {
      await server.close();
    }
  });
});

describe("what counts as a commit id", () => {
  test("without configuration a value needs 7+ hex digits: a 4-6 digit value is UNKNOWN 'not a commit id' (file, http, command)", async () => {
    let body = "";
    const server = await receiver(() => ({ status: 200, body, headers: { "content-type": "text/plain" } }));
    try {
      const file = repo(`provider = "file"\npath = "deploy/api.json"\n`);
      const head = git(file, ["rev-parse", "HEAD"]);
      const cases: [string, unknown, string][] = [
        ["five hex digits under commit", { commit: head.slice(0, 5) }, "commit"],
        ["a build number under revision", { revision: "12345" }, "revision"],
        ["six hex digits as plain text", head.slice(0, 6), "text"],
        ["four hex digits under git.commit", { git: { commit: head.slice(0, 4) } }, "git.commit"],
      ];
      for (const [what, doc, source] of cases) {
        mkdirSync(path.join(file, "deploy"), { recursive: true });
        writeFileSync(path.join(file, "deploy", "api.json"), typeof doc === "string" ? doc : JSON.stringify(doc));
        const r = await round(file);
        assert.equal(r.code, 2, what);
        assert.equal(r.api.state, "UNKNOWN", what);
        assert.equal(r.api.revisions[0].commit, null, what);
        const shown = (typeof doc === "string" ? doc : JSON.stringify(doc).match(/"([0-9a-f]+)"/)![1]);
        assert.equal(r.api.revisions[0].reason, `the deployed commit reported (${source}) is not a commit id: "${shown}" (${shown.length} hex digits; a commit id needs at least 7)`, what);
        assert.match(r.api.revisions[0].fix!, /at least 7 hex digits/);
      }
      // Seven digits are a commit id.
      writeFileSync(path.join(file, "deploy", "api.json"), JSON.stringify({ commit: head.slice(0, 7) }));
      assert.equal((await round(file)).api.state, "CURRENT");
      // Plain text that JSON would read as a number is still the text: 1234567 and 4e12345 are abbreviations, not numbers.
      for (const text of ["1234567", "4e12345"]) {
        writeFileSync(path.join(file, "deploy", "api.json"), text + "\n");
        const r = await round(file);
        assert.equal(r.api.revisions[0].reportedCommit, text);
        assert.equal(r.api.revisions[0].reason, `deployed commit ${text} is not in the local clone`);
      }

      const web = repo(`provider = "http"\nurl = "${server.url}/version"\n`);
      body = git(web, ["rev-parse", "HEAD"]).slice(0, 5) + "\n";
      let r = await round(web);
      assert.equal(r.api.state, "UNKNOWN");
      assert.match(r.api.revisions[0].reason!, /is not a commit id: "[0-9a-f]{5}" \(5 hex digits/);

      const cmd = repo(`provider = "command"\ncommand = ["git", "rev-parse", "--short=5", "HEAD"]\n`);
      r = await round(cmd);
      assert.equal(r.api.state, "UNKNOWN");
      assert.match(r.api.revisions[0].reason!, /\(text\) is not a commit id: "[0-9a-f]{5,6}" \(\d hex digits/);
    } finally {
      await server.close();
    }
  });

  test("without json_path, a known key that holds no commit id does not hide one that does; none found names the keys and suggests json_path (http)", async () => {
    let doc: unknown = {};
    const server = await receiver(() => ({ status: 200, body: typeof doc === "string" ? doc : JSON.stringify(doc), headers: { "content-type": typeof doc === "string" ? "text/plain" : "application/json" } }));
    try {
      const dir = repo(`provider = "http"\nurl = "${server.url}/version"\n`);
      const head = git(dir, ["rev-parse", "HEAD"]);
      doc = { revision: "api-00007-abc", git: { commit: head } };
      let r = await round(dir);
      assert.equal(r.api.state, "CURRENT", JSON.stringify(r.api));
      assert.equal(r.api.revisions[0].commitSource, "git.commit");
      assert.equal(r.api.revisions[0].commit, head);

      doc = { build: { commit: head, number: 1234 } };
      r = await round(dir);
      assert.equal(r.code, 2);
      assert.equal(r.api.state, "UNKNOWN");
      assert.equal(r.api.revisions[0].reason, "the provider reports neither the deployed commit nor a deploy time (looked for it under the keys commit, git_commit, gitCommit, sha, git_sha, revision, build_commit and git.commit)");
      assert.equal(r.api.revisions[0].fix, `set json_path = "build.commit" (its value looks like a commit id)`);

      // Only a revision name: "not a commit id", shown whole, and the fix is about json_path, not labels.
      doc = { revision: "api-00007-abc" };
      r = await round(dir);
      assert.equal(r.api.state, "UNKNOWN");
      assert.equal(r.api.revisions[0].reason, `the deployed commit reported (revision) is not a commit id: "api-00007-abc"`);
      assert.equal(r.api.revisions[0].fix, `set json_path = "..." to where the answer holds the commit id`);
      const t = await cliAsync(["drift"], dir);
      assert.equal(t.status, 2);
      assert.match(t.stdout, /revision .* runs api-00007-abc \(revision\): UNKNOWN/);
      assert.doesNotMatch(t.stdout, /label|env var|image tag/);
      // Plain text that is not a commit id: the fix is about the answer, not labels either.
      doc = "ok";
      r = await round(dir);
      assert.equal(r.api.revisions[0].reason, `the deployed commit reported (text) is not a commit id: "ok"`);
      assert.equal(r.api.revisions[0].fix, `make the answer the git commit id (plain text, or JSON with it under "commit")`);
    } finally {
      await server.close();
    }
  });

  test("a configured json_path is taken as it is: a 5-digit abbreviation git resolves is compared", async () => {
    const dir = repo(`provider = "file"\npath = "deploy/api.json"\njson_path = "build.id"\n`);
    const head = git(dir, ["rev-parse", "HEAD"]);
    mkdirSync(path.join(dir, "deploy"));
    writeFileSync(path.join(dir, "deploy", "api.json"), JSON.stringify({ build: { id: head.slice(0, 5) } }));
    const r = await round(dir);
    assert.equal(r.api.state, "CURRENT", JSON.stringify(r.api));
    assert.equal(r.api.revisions[0].commit, head);
  });

  test("json_path pointing to an object, a number, an array or null: 'not a commit id', with the type", async () => {
    const dir = repo(`provider = "file"\npath = "deploy/api.json"\njson_path = "build"\n`);
    mkdirSync(path.join(dir, "deploy"));
    const cases: [unknown, string][] = [
      [{ commit: "abc1234", time: "2026-11-01" }, "an object with keys commit, time"],
      [1234567, "a number (1234567)"],
      [["abc1234"], "an array of 1"],
      [null, "null"],
      ["", "an empty string"],
    ];
    for (const [value, what] of cases) {
      writeFileSync(path.join(dir, "deploy", "api.json"), JSON.stringify({ build: value }));
      const r = await round(dir);
      assert.equal(r.code, 2);
      assert.equal(r.api.state, "UNKNOWN");
      assert.equal(r.api.error, `deploy/api.json: the value at build is not a commit id: ${what}`);
    }
  });
});

describe("command and file providers", () => {
  test("a command printing a commit; a command printing JSON with revisions", async () => {
    const dir = repo(`provider = "command"\ncommand = ["git", "rev-parse", "--short", "HEAD"]\n`);
    const r = await round(dir);
    assert.equal(r.api.state, "CURRENT");
    assert.equal(r.api.revisions[0].commitSource, "text");
    const head = git(dir, ["rev-parse", "HEAD"]);
    writeFileSync(path.join(dir, "revs.json"), JSON.stringify([{ name: "blue", commit: head, percent: 50 }, { name: "green", commit: head.slice(0, 7), percent: 50 }, { name: "old", commit: "ffffffff", percent: 0 }]));
    const dir2 = dir;
    writeFileSync(path.join(dir2, "shipshape.toml"), `[services.api]\ndockerfile = "api/Dockerfile"\ncontext = "."\n[services.api.drift]\nprovider = "command"\ncommand = ["cat", "revs.json"]\n`);
    const r2 = await round(dir2);
    assert.deepEqual(r2.api.revisions.map((x) => [x.revision, x.percent, x.state]), [
      ["blue", 50, "CURRENT"],
      ["green", 50, "CURRENT"],
    ]);
    writeFileSync(path.join(dir2, "shipshape.toml"), `[services.api]\ndockerfile = "api/Dockerfile"\ncontext = "."\n[services.api.drift]\nprovider = "command"\ncommand = ["sh", "-c", "echo boom >&2; exit 3"]\n`);
    const r3 = await round(dir2);
    assert.match(r3.api.error!, /sh -c echo boom >&2; exit 3 failed \(exit 3\): boom/);
  });

  test("a relative command path that cannot be run says it was resolved from the shipshape root, and why it failed", async () => {
    const dir = repo(`provider = "command"\ncommand = ["./scripts/deployed-commit", "api"]\n`);
    const abs = path.join(dir, "scripts", "deployed-commit");
    const from = `./scripts/deployed-commit (a relative path, resolved from the shipshape root ${dir}: ${abs})`;
    let r = await round(dir);
    assert.equal(r.code, 2);
    assert.equal(r.api.error, `cannot run ${from}: no such file`);
    mkdirSync(path.join(dir, "scripts"));
    writeFileSync(abs, "#!/bin/sh\ngit rev-parse HEAD\n");
    r = await round(dir);
    assert.equal(r.api.error, `cannot run ${from}: not executable (chmod +x it, or run it through its interpreter: ["sh", "./scripts/deployed-commit"])`);
    writeFileSync(abs, "#!/nonexistent/interpreter\ngit rev-parse HEAD\n");
    chmodSync(abs, 0o755);
    r = await round(dir);
    assert.equal(r.api.error, `cannot run ${from}: the interpreter on its #! line was not found`);
    writeFileSync(abs, "#!/bin/sh\ngit rev-parse HEAD\n");
    r = await round(dir);
    assert.equal(r.api.state, "CURRENT", JSON.stringify(r.api));
    // A bare name is looked up on PATH.
    const bare = repo(`provider = "command"\ncommand = ["shipshape-no-such-tool"]\n`);
    assert.equal((await round(bare)).api.error, "shipshape-no-such-tool not found on PATH");
  });

  test("jsonPath", () => {
    const doc = { a: { b: [{ c: "x" }] } };
    assert.equal(jsonPath(doc, "a.b[0].c"), "x");
    assert.equal(jsonPath(doc, "$.a.b[0].c"), "x");
    assert.equal(jsonPath(doc, "a.z.c"), undefined);
  });
});
