// The Docker engine of the e2e suites: DOCKER_HOST when one answers there, else a private one
// started by scripts/e2e-engine.sh (and stopped after the suite unless SHIPSHAPE_E2E_KEEP_ENGINE).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { PROJECT_ROOT } from "../test/helpers.js";

export const ENGINE_SCRIPT = path.join(PROJECT_ROOT, "scripts", "e2e-engine.sh");

export type Engine = { ok: true; host: string; started: boolean } | { ok: false; why: string };

/** Start (or find) the engine; on success DOCKER_HOST and DOCKER_BUILDKIT=0 are set for this process. */
export function startEngine(): Engine {
  const answers = () => spawnSync("docker", ["version", "--format", "{{.Server.Version}}"], { env: process.env, encoding: "utf8", timeout: 20000 }).status === 0;
  let e: Engine;
  const external = Boolean(process.env.DOCKER_HOST && answers());
  {
    // The script also makes the suite's base images on an engine at DOCKER_HOST (refusing to
    // replace an image of the same tag that is not its own).
    const r = spawnSync("bash", [ENGINE_SCRIPT, "start"], { encoding: "utf8", timeout: 15 * 60 * 1000, env: { ...process.env, DOCKER_HOST: external ? process.env.DOCKER_HOST : "" } });
    if (r.status !== 0) {
      const why = (r.stderr || r.error?.message || "").trim().split("\n").filter(Boolean).pop() ?? `exit ${r.status}`;
      return { ok: false, why };
    }
    for (const l of r.stderr.split("\n")) if (/built in|ready in|starting dockerd/.test(l)) console.log(l.trim());
    const host = /^DOCKER_HOST=(.*)$/m.exec(r.stdout)?.[1];
    if (!host) return { ok: false, why: "scripts/e2e-engine.sh printed no DOCKER_HOST" };
    e = { ok: true, host, started: !external };
  }
  process.env.DOCKER_HOST = e.host;
  process.env.DOCKER_BUILDKIT = "0";
  return e;
}

export function stopEngine(e: Engine): void {
  if (e.ok && e.started && !process.env.SHIPSHAPE_E2E_KEEP_ENGINE) spawnSync("bash", [ENGINE_SCRIPT, "stop"], { stdio: "ignore", env: { ...process.env, DOCKER_HOST: "" } });
}
