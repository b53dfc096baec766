// @balena/dockerignore is CommonJS whose typings declare an ES default export; under NodeNext
// the default import is `module.exports` itself. Normalise both shapes here, once. It is loaded
// on first use: a run answered from the caches never needs it.
import { createRequire } from "node:module";

export interface DockerIgnore {
  add(patterns: string | string[]): DockerIgnore;
  ignores(path: string): boolean;
}

type Factory = (opts?: { ignorecase?: boolean }) => DockerIgnore;
let factory: Factory | null = null;
export const dockerignore: Factory = (opts) => {
  if (!factory) {
    const m = createRequire(import.meta.url)("@balena/dockerignore") as Factory | { default: Factory | { default: Factory } };
    factory = typeof m === "function" ? m : typeof m.default === "function" ? m.default : m.default.default;
  }
  return factory(opts);
};
