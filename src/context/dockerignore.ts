// @balena/dockerignore is CommonJS whose typings declare an ES default export; under NodeNext
// the default import is `module.exports` itself. Normalise both shapes here, once.
import * as mod from "@balena/dockerignore";

export interface DockerIgnore {
  add(patterns: string | string[]): DockerIgnore;
  ignores(path: string): boolean;
}

type Factory = (opts?: { ignorecase?: boolean }) => DockerIgnore;
const m = mod as unknown as { default: Factory | { default: Factory } };
export const dockerignore: Factory = typeof m.default === "function" ? m.default : m.default.default;
