// Finding codes: stable identifiers, one doc page each under docs/rules/.
export type Severity = "error" | "warning" | "info";

export interface RuleInfo {
  code: string;
  name: string;
  severity: Severity;
  summary: string;
}

export const RULES: Record<string, RuleInfo> = {
  SS001: { code: "SS001", name: "dockerfile-invalid", severity: "error", summary: "The Dockerfile cannot be parsed or is not a valid build" },
  SS002: { code: "SS002", name: "python-syntax-error", severity: "warning", summary: "A reachable Python file does not parse; imports after the error may be missed" },
  SS003: { code: "SS003", name: "python-unreadable", severity: "warning", summary: "A reachable Python file is binary or not in its declared encoding" },
  SS004: { code: "SS004", name: "no-entry-point", severity: "warning", summary: "No Python entry point could be found for the service" },
  SS005: { code: "SS005", name: "copy-outside-context", severity: "error", summary: "A COPY/ADD source escapes the build context" },
  SS006: { code: "SS006", name: "copy-source-missing", severity: "error", summary: "A COPY/ADD source does not exist in the build context (or is excluded)" },
  SS009: { code: "SS009", name: "copy-symlink-loop", severity: "error", summary: "A COPY/ADD source is a symlink loop" },
  SS101: { code: "SS101", name: "module-not-copied", severity: "error", summary: "An imported repository module is not copied into the image" },
  SS102: { code: "SS102", name: "module-excluded", severity: "error", summary: "An imported repository module is excluded from the build by an ignore file" },
  SS103: { code: "SS103", name: "module-not-on-sys-path", severity: "error", summary: "An imported module is in the image, but not where sys.path can find it" },
  SS104: { code: "SS104", name: "directory-contents-copied", severity: "error", summary: "COPY of a directory copied its contents, not the directory, so the package name is lost" },
  SS105: { code: "SS105", name: "init-not-copied", severity: "error", summary: "A package's __init__.py was not copied and a name it defines is imported" },
  SS106: { code: "SS106", name: "namespace-package-in-image", severity: "warning", summary: "A package's __init__.py was not copied; it runs as a namespace package without its initialisation code" },
  SS107: { code: "SS107", name: "relative-import-no-parent", severity: "error", summary: "A relative import runs in a file that has no parent package in the image" },
  SS108: { code: "SS108", name: "module-not-found", severity: "error", summary: "An imported submodule of a local package exists neither in the image nor in the repository" },
  SS110: { code: "SS110", name: "entry-point-missing", severity: "error", summary: "The file or module the container command runs is not in the image" },
  SS201: { code: "SS201", name: "package-not-installed", severity: "error", summary: "A third-party import is provided by nothing the image installs" },
  SS202: { code: "SS202", name: "package-transitive-only", severity: "warning", summary: "A third-party import is installed only as a dependency of another package" },
  SS203: { code: "SS203", name: "executable-not-installed", severity: "error", summary: "The program the container command runs (gunicorn, uvicorn, celery, ...) is not installed" },
  SS204: { code: "SS204", name: "requirements-file-not-in-image", severity: "error", summary: "A RUN installs a requirements file that is not in the image at that point" },
  SS205: { code: "SS205", name: "packages-not-on-path", severity: "error", summary: "Packages were installed into a virtualenv or folder the container's python does not use" },
  SS206: { code: "SS206", name: "project-not-in-image", severity: "error", summary: "A RUN installs a local project whose pyproject.toml/setup.py is not in the image at that point" },
  SS209: { code: "SS209", name: "packages-unknown", severity: "info", summary: "Third-party imports cannot be checked: unknown base image and no installs" },
  SS301: { code: "SS301", name: "stdlib-module-unavailable", severity: "error", summary: "A standard-library module that the image's Python version does not have" },
  SS302: { code: "SS302", name: "stdlib-shadowed", severity: "warning", summary: "A local module shadows a standard-library module for everything in the container" },
  SS303: { code: "SS303", name: "python-version-unknown", severity: "info", summary: "The image's Python version cannot be determined from its base image" },
  SS401: { code: "SS401", name: "implicit-dependency-missing", severity: "error", summary: "A runtime dependency no import reveals (db-dtypes, tzdata, libgomp1, libpq) is missing" },
  SS501: { code: "SS501", name: "lock-missing-requirement", severity: "error", summary: "A direct requirement is not in its lock file (or is locked only for other environments)" },
  SS502: { code: "SS502", name: "lock-version-mismatch", severity: "error", summary: "The locked version of a direct requirement does not satisfy its specifier" },
  SS503: { code: "SS503", name: "lock-not-pinned", severity: "error", summary: "A line of a pip lock file is not pinned to one version with ==" },
  SS504: { code: "SS504", name: "lock-orphan", severity: "warning", summary: "A locked package is required by nothing: the lock is stale" },
  SS505: { code: "SS505", name: "dockerfile-installs-loose-file", severity: "error", summary: "The Dockerfile installs the loose requirements, not their lock" },
  SS506: { code: "SS506", name: "conflicting-pins-in-image", severity: "error", summary: "Two files installed into one image pin a package to two versions" },
  SS507: { code: "SS507", name: "requirements-parse-error", severity: "error", summary: "A requirements line (or a marker) cannot be parsed" },
  SS508: { code: "SS508", name: "lock-unparsable", severity: "error", summary: "A lock file cannot be read as a lock" },
};

export interface Fix {
  /** The file to edit, relative to the repository root (a Dockerfile, or an ignore file). */
  dockerfile: string;
  /** Insert after this 1-based line (0 = at the top). */
  after_line: number;
  insert: string;
}

export interface Finding {
  code: string;
  severity: Severity;
  service: string;
  /** Importing file, relative to the repository root. */
  file: string;
  line: number;
  col?: number;
  /** Absolute dotted module as imported (relative imports resolved). */
  module: string;
  message: string;
  chain: string[];
  fix?: Fix;
  /** Extra explanation lines (why, notes). */
  notes?: string[];
}

export function severityRank(s: Severity): number {
  return s === "error" ? 2 : s === "warning" ? 1 : 0;
}
