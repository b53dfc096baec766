// Entry of `npm run test:e2e`: one Docker engine for the differential suites (differential.ts,
// package-fixtures.ts) and the verify command's own end-to-end tests (verify-cli.ts). Where no
// engine can be started, one skipped test says why.
import { test, after } from "node:test";
import { startEngine, stopEngine } from "./engine.js";

const engine = startEngine();
if (!engine.ok) {
  test(`e2e suite skipped: no Docker engine can be started here (${engine.why})`, { skip: true }, () => {});
} else {
  after(() => stopEngine(engine));
  await import("./differential.js");
  await import("./package-fixtures.js");
  await import("./verify-cli.js");
}
