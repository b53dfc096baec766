// What an external base image is known to contain: its Python version, whether it is a slim
// variant, and which system libraries it has. Only official, well-known images are known; any
// other base is "unknown" and the checks that depend on it say so instead of guessing.

export interface BaseImageInfo {
  /** The reference as written after ARG expansion. */
  ref: string;
  /** Repository without registry and tag: "python", "debian", "acme/base". */
  repo: string;
  tag: string;
  family: "python" | "debian" | "ubuntu" | "alpine" | "distroless" | "scratch" | "unknown";
  /** "slim" variants (and alpine, distroless) lack build tools and most shared libraries. */
  slim: boolean;
  /** Python version of the image itself, with how it was found; null when none or unknown. */
  python: string | null;
  pythonSource: string;
  /** Distribution release, for apt-installed Python ("bookworm", "22.04"). */
  release: string | null;
  /** Is the base's content known (official image)? Unknown bases may carry packages we cannot see. */
  known: boolean;
  /** Distribution packages the image has that matter to our rules. */
  systemPackages: Set<string>;
  /** Python distributions the base image carries (declared in configuration). */
  pythonPackages?: string[];
}

/** Python shipped as `python3` by distribution releases (apt/apk). */
const DISTRO_PYTHON: Record<string, string> = {
  "debian:buster": "3.7", "debian:10": "3.7",
  "debian:bullseye": "3.9", "debian:11": "3.9",
  "debian:bookworm": "3.11", "debian:12": "3.11",
  "debian:trixie": "3.13", "debian:13": "3.13",
  "ubuntu:18.04": "3.6", "ubuntu:bionic": "3.6",
  "ubuntu:20.04": "3.8", "ubuntu:focal": "3.8",
  "ubuntu:22.04": "3.10", "ubuntu:jammy": "3.10",
  "ubuntu:24.04": "3.12", "ubuntu:noble": "3.12",
  "alpine:3.16": "3.10", "alpine:3.17": "3.10", "alpine:3.18": "3.11", "alpine:3.19": "3.11",
  "alpine:3.20": "3.12", "alpine:3.21": "3.12", "alpine:3.22": "3.12",
};

/** Libraries present in the official python images (full variants are built on buildpack-deps). */
const PYTHON_FULL_PACKAGES = ["tzdata", "libgomp1", "libpq5", "libpq-dev", "gcc", "libffi-dev", "libssl-dev", "ca-certificates", "git"];
const PYTHON_SLIM_PACKAGES = ["tzdata", "ca-certificates", "netbase"];

export function parseImageRef(ref: string): { repo: string; tag: string; registry: string | null } {
  let r = ref.trim();
  const at = r.indexOf("@");
  if (at >= 0) r = r.slice(0, at);
  let registry: string | null = null;
  const parts = r.split("/");
  if (parts.length > 1 && (parts[0].includes(".") || parts[0].includes(":") || parts[0] === "localhost")) {
    registry = parts.shift()!;
  }
  let last = parts.pop() ?? "";
  let tag = "latest";
  const colon = last.indexOf(":");
  if (colon >= 0) {
    tag = last.slice(colon + 1);
    last = last.slice(0, colon);
  }
  parts.push(last);
  let repo = parts.join("/").toLowerCase();
  if (repo.startsWith("library/")) repo = repo.slice(8);
  return { repo, tag, registry };
}

/** Describe an external base image from its reference. `declared` comes from configuration. */
export function baseImageInfo(ref: string, declared?: { python?: string; packages?: string[]; systemPackages?: string[] }): BaseImageInfo {
  const { repo, tag, registry } = parseImageRef(ref);
  const name = repo.split("/").pop()!;
  const info: BaseImageInfo = {
    ref, repo, tag, family: "unknown", slim: false, python: null, pythonSource: "", release: null, known: false, systemPackages: new Set(),
  };
  const official = registry === null || registry === "docker.io" || registry === "index.docker.io" || registry === "mirror.gcr.io";
  if (ref === "scratch") {
    info.family = "scratch";
    info.known = true;
    info.slim = true;
    return info;
  }
  if (name === "python" && (official || /(^|\/)python$/.test(repo))) {
    // python:3.11-slim, python:3.12.1-bookworm, python:3.10-alpine3.19, …/python:3.10
    info.family = tag.includes("alpine") ? "alpine" : "python";
    info.slim = /slim|alpine/.test(tag);
    const m = /^(\d+)\.(\d+)/.exec(tag);
    if (m) {
      info.python = `${m[1]}.${m[2]}`;
      info.pythonSource = `the base image tag ${ref}`;
    } else info.pythonSource = `the base image tag '${tag}' does not name a Python minor version`;
    // Only the official image (library/python): `acme/python` on Docker Hub is someone else's.
    info.known = official && repo === "python";
    for (const p of info.slim ? PYTHON_SLIM_PACKAGES : PYTHON_FULL_PACKAGES) info.systemPackages.add(p);
    // The official images install pip, and before 3.12 also setuptools and wheel.
    const minor = m ? Number(m[2]) : 99;
    info.pythonPackages = m && Number(m[1]) === 3 && minor < 12 ? ["pip", "setuptools", "wheel"] : ["pip"];
    if (!info.known) info.pythonSource += info.python ? " (not the official image: assumed to follow its tags)" : "";
  } else if (official && (name === "debian" || name === "ubuntu" || name === "alpine") && repo === name) {
    info.family = name;
    info.known = true;
    info.slim = name === "alpine" || tag.includes("slim") || name === "ubuntu" || name === "debian";
    const rel = tag.replace(/-slim$/, "").replace(/^(\d+\.\d+)\.\d+$/, "$1");
    info.release = rel;
    info.pythonSource = `${ref} has no Python unless the Dockerfile installs it`;
  } else if (/^gcr\.io$/.test(registry ?? "") && repo.startsWith("distroless/python3")) {
    info.family = "distroless";
    info.known = true;
    info.slim = true;
    const deb = /debian(\d+)/.exec(repo + ":" + tag)?.[1];
    info.python = deb === "11" ? "3.9" : deb === "12" ? "3.11" : deb === "13" ? "3.13" : null;
    info.pythonSource = info.python ? `distroless python3-debian${deb}` : `distroless image ${ref} without a Debian release`;
    // distroless images carry ca-certificates and tzdata (the base layer of every variant).
    info.systemPackages.add("ca-certificates");
    info.systemPackages.add("tzdata");
  } else {
    // Tags that spell the Python version: ghcr.io/astral-sh/uv:python3.12-bookworm-slim, …
    const m = /python-?(\d)\.(\d+)/.exec(tag) ?? /python-?(\d)\.(\d+)/.exec(repo);
    if (m) {
      info.python = `${m[1]}.${m[2]}`;
      info.pythonSource = `the image reference ${ref} (its content is otherwise unknown)`;
      info.slim = /slim|alpine/.test(tag);
    } else info.pythonSource = `${ref} is not an image shipshape knows; declare its Python version in [images."${repo}"]`;
  }
  if (declared?.python) {
    info.python = declared.python;
    info.pythonSource = `configuration [images."${repo}"]`;
  }
  if (declared && (declared.packages || declared.systemPackages)) {
    // What the configuration declares is all the image has beyond what we know.
    info.known = true;
    for (const p of declared.systemPackages ?? []) info.systemPackages.add(p);
    info.pythonPackages = [...(info.pythonPackages ?? []), ...(declared.packages ?? [])];
  }
  return info;
}

/** Python version of a distribution's own python3 package, if the release is known. */
export function distroPython(info: BaseImageInfo): string | null {
  if (!info.release) return null;
  return DISTRO_PYTHON[`${info.family}:${info.release}`] ?? null;
}

/** One line of an image's /etc/passwd: what `USER name` (or `USER uid`) runs as, and its HOME. */
export interface Account {
  name: string;
  uid: string;
  home: string;
}

const acct = (rows: string): Account[] =>
  rows
    .trim()
    .split(/\s+/)
    .map((r) => {
      const [name, uid, home] = r.split(":");
      return { name, uid, home };
    });

// /etc/passwd of the official images (base-passwd on Debian and Ubuntu, alpine-baselayout).
const DEBIAN_ACCOUNTS = acct(`root:0:/root daemon:1:/usr/sbin bin:2:/bin sys:3:/dev sync:4:/bin games:5:/usr/games man:6:/var/cache/man
  lp:7:/var/spool/lpd mail:8:/var/mail news:9:/var/spool/news uucp:10:/var/spool/uucp proxy:13:/bin www-data:33:/var/www
  backup:34:/var/backups list:38:/var/list irc:39:/run/ircd _apt:42:/nonexistent nobody:65534:/nonexistent`);
const ALPINE_ACCOUNTS = acct(`root:0:/root bin:1:/bin daemon:2:/sbin lp:4:/var/spool/lpd sync:5:/sbin shutdown:6:/sbin halt:7:/sbin
  mail:8:/var/mail news:9:/usr/lib/news uucp:10:/var/spool/uucppublic cron:16:/var/spool/cron ftp:21:/var/lib/ftp
  sshd:22:/dev/null games:35:/usr/games ntp:123:/var/empty guest:405:/dev/null nobody:65534:/`);
const DISTROLESS_ACCOUNTS = acct(`root:0:/root nonroot:65532:/home/nonroot nobody:65534:/nonexistent`);
/** Ubuntu releases whose image has the `ubuntu` user (uid 1000), 23.04 and later. */
const UBUNTU_WITH_USER = /^(2[3-9]\.|[3-9]\d\.|lunar|mantic|noble|oracular|plucky|questing|latest|rolling|devel)/;

/**
 * The accounts of the /etc/passwd of a base image shipshape knows (the official python, debian,
 * ubuntu and alpine images, distroless), or null when the image is not known. Only the file
 * contents matter here: `USER name` resolves against it, and so does the HOME of that user.
 */
export function baseAccounts(ref: string): Account[] | null {
  const info = baseImageInfo(ref);
  if (!info.known) return null;
  switch (info.family) {
    case "python":
    case "debian":
      return DEBIAN_ACCOUNTS;
    case "ubuntu":
      return UBUNTU_WITH_USER.test(info.tag) ? [...DEBIAN_ACCOUNTS, { name: "ubuntu", uid: "1000", home: "/home/ubuntu" }] : DEBIAN_ACCOUNTS;
    case "alpine":
      return ALPINE_ACCOUNTS;
    case "distroless":
      return DISTROLESS_ACCOUNTS;
    case "scratch":
      return [];
    default:
      return null;
  }
}
