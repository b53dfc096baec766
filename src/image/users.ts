// The accounts of an image's /etc/passwd as far as the Dockerfile shows them (the base image's,
// when shipshape knows it, plus `useradd` / `adduser` / `usermod` in RUN), and from them the HOME
// a `USER` runs with and the folder `pip install --user` uses (Python's user base, ~/.local).
//
// Docker (runc) sets HOME from the user's /etc/passwd entry unless the image's ENV sets it; a
// numeric USER without an entry gets HOME=/. Python's user base is $PYTHONUSERBASE, else
// ~/.local expanded with HOME.
import { commandsFromShellScript } from "../entry/argv.js";
import type { Account } from "./base.js";
import { normalizeImagePath, joinImage } from "./tree.js";

export interface AccountEntry extends Account {
  /** Dockerfile line of the RUN that made or changed it; absent for the base image's own. */
  line?: number;
  /** False when its HOME is a guess (`adduser --system` without --home: it depends on the adduser version). */
  sure: boolean;
}

const base = (w: string) => w.split("/").pop() ?? w;

/** `-u1000`, `--uid=1000`, `-u 1000`: split the option and its attached value. */
function opt(w: string, valueOpts: Set<string>): [string, string | null] {
  if (w.startsWith("--")) {
    const eq = w.indexOf("=");
    return eq > 0 ? [w.slice(0, eq), w.slice(eq + 1)] : [w, null];
  }
  if (/^-[A-Za-z]./.test(w) && valueOpts.has(w.slice(0, 2))) return [w.slice(0, 2), w.slice(2)];
  return [w, null];
}

/** Options and positional words of a command, given the options that take a value. */
function parseArgs(args: string[], valueOpts: Set<string>): { opts: Map<string, string>; pos: string[] } {
  const opts = new Map<string, string>();
  const pos: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const w = args[i];
    if (!w.startsWith("-") || w === "-") {
      pos.push(w);
      continue;
    }
    let [name, value] = opt(w, valueOpts);
    if (valueOpts.has(name) && value === null) value = args[++i] ?? "";
    opts.set(name, value ?? "");
  }
  return { opts, pos };
}

const USERADD_VALUES = new Set(["-b", "--base-dir", "-c", "--comment", "-d", "--home-dir", "-e", "--expiredate", "-f", "--inactive", "-g", "--gid", "-G", "--groups", "-k", "--skel", "-K", "--key", "-p", "--password", "-s", "--shell", "-u", "--uid", "-Z", "--selinux-user", "-R", "--root", "-P", "--prefix"]);
const USERMOD_VALUES = new Set([...USERADD_VALUES, "-l", "--login"]);
const DEBIAN_ADDUSER_VALUES = new Set(["--home", "--shell", "--uid", "--gid", "--ingroup", "--gecos", "--comment", "--firstuid", "--lastuid", "--firstgid", "--lastgid", "--conf", "--add_extra_groups", "--add-extra-groups"]);
const BUSYBOX_ADDUSER_VALUES = new Set(["-h", "-g", "-s", "-G", "-u", "-k"]);

function set(accounts: AccountEntry[], e: AccountEntry): void {
  const i = accounts.findIndex((a) => a.name === e.name);
  if (i >= 0) accounts[i] = e;
  else accounts.push(e);
}

/**
 * Read the account commands of a RUN script (`useradd`, `adduser` of Debian and of BusyBox,
 * `usermod -d`), adding or changing entries in `accounts`. `busybox`: the image's adduser is
 * BusyBox's (Alpine).
 */
export function readAccountCommands(script: string, accounts: AccountEntry[], line: number, busybox: boolean): void {
  for (let argv of commandsFromShellScript(script)) {
    while (argv.length && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[0]) || ["sudo", "env", "exec", "command"].includes(base(argv[0])))) argv = argv.slice(1);
    if (!argv.length) continue;
    const cmd = base(argv[0]);
    if ((cmd === "sh" || cmd === "bash" || cmd === "dash") && argv.includes("-c")) {
      const s = argv[argv.indexOf("-c") + 1];
      if (s !== undefined) readAccountCommands(s, accounts, line, busybox);
      continue;
    }
    const args = argv.slice(1);
    if (cmd === "useradd") {
      const { opts, pos } = parseArgs(args, USERADD_VALUES);
      const name = pos[pos.length - 1];
      if (!name || name.includes("$")) continue;
      const home = opts.get("-d") ?? opts.get("--home-dir") ?? joinImage(opts.get("-b") ?? opts.get("--base-dir") ?? "/home", name);
      set(accounts, { name, uid: opts.get("-u") ?? opts.get("--uid") ?? "", home: normalizeImagePath(home, "/"), line, sure: !home.includes("$") });
    } else if (cmd === "adduser") {
      // BusyBox: `adduser [-h DIR] [-S] [-D] [-H] [-u UID] USER [GROUP]`; Debian: long options,
      // and `adduser USER GROUP` adds an existing user to a group.
      const bb = busybox || args.some((w) => /^-[A-Za-z]/.test(w));
      const { opts, pos } = parseArgs(args, bb ? BUSYBOX_ADDUSER_VALUES : DEBIAN_ADDUSER_VALUES);
      if (!pos.length || (!bb && pos.length > 1) || pos[0].includes("$")) continue;
      const name = pos[0];
      const given = bb ? opts.get("-h") : opts.get("--home");
      // Debian's adduser --system: /nonexistent since adduser 3.122, /home/NAME before.
      const sure = given !== undefined || bb || !opts.has("--system");
      set(accounts, { name, uid: (bb ? opts.get("-u") : opts.get("--uid")) ?? "", home: normalizeImagePath(given ?? `/home/${name}`, "/"), line, sure: sure && !(given ?? "").includes("$") });
    } else if (cmd === "usermod") {
      const { opts, pos } = parseArgs(args, USERMOD_VALUES);
      const name = pos[pos.length - 1];
      const prev = accounts.find((a) => a.name === name);
      const home = opts.get("-d") ?? opts.get("--home");
      const uid = opts.get("-u") ?? opts.get("--uid");
      if (!name || (home === undefined && uid === undefined)) continue;
      set(accounts, { name, uid: uid ?? prev?.uid ?? "", home: home !== undefined ? normalizeImagePath(home, "/") : prev?.home ?? `/home/${name}`, line, sure: prev?.sure ?? home !== undefined });
    }
  }
}

/** The name or uid part of a USER value (`app:app`, `1000:1000`); null for root. */
export function userName(user: string | null): string | null {
  const n = (user ?? "").split(":")[0].trim();
  return !n || n === "root" || n === "0" ? null : n;
}

/** The account a USER value runs as, by name or uid. */
export function findAccount(user: string | null, accounts: AccountEntry[]): AccountEntry | undefined {
  const n = userName(user) ?? "root";
  return accounts.find((a) => a.name === n) ?? (/^\d+$/.test(n) ? accounts.find((a) => a.uid === n) : undefined);
}

export interface UserBase {
  /** The folder: `pip install --user` installs into it, and Python adds its lib/pythonX.Y/site-packages to sys.path. */
  base: string;
  /** Known, not assumed. */
  sure: boolean;
  /** How it was found, for messages: "HOME /home/app, from RUN useradd at line 7". */
  how: string;
  /** Who runs: "root", "app", "uid 1000". */
  who: string;
  /** Runs as root. */
  root: boolean;
}

/**
 * Python's user base for a process run as `user` with the image's `env`: $PYTHONUSERBASE, else
 * $HOME/.local, with HOME from ENV or the user's /etc/passwd entry. `accountsKnown`: the
 * accounts list is all the image has (a known base image, and no RUN that could add to it
 * unseen), so a numeric USER that is not in it really has no entry (HOME=/).
 */
export function pythonUserBase(user: string | null, env: Record<string, string>, accounts: AccountEntry[], accountsKnown: boolean): UserBase {
  const name = userName(user);
  const who = name === null ? "root" : /^\d+$/.test(name) ? `uid ${name}` : name;
  const root = name === null;
  if (env.PYTHONUSERBASE) return { base: normalizeImagePath(env.PYTHONUSERBASE, "/"), sure: true, how: "PYTHONUSERBASE", who, root };
  if (env.HOME) {
    const home = normalizeImagePath(env.HOME, "/");
    return { base: joinImage(home, ".local"), sure: true, how: `ENV HOME=${home}`, who, root };
  }
  const acc = findAccount(user, accounts);
  if (acc) {
    const from = acc.line !== undefined ? `the RUN at line ${acc.line}` : "the base image's /etc/passwd";
    return { base: joinImage(acc.home, ".local"), sure: acc.sure, how: `HOME ${acc.home}, from ${from}${acc.sure ? "" : " (assumed: adduser --system sets /nonexistent or /home/NAME by version)"}`, who, root };
  }
  if (root) return { base: "/root/.local", sure: true, how: "root's HOME /root", who, root };
  if (/^\d+$/.test(name!)) {
    return accountsKnown
      ? { base: "/.local", sure: true, how: `uid ${name} has no /etc/passwd entry, so HOME is /`, who, root }
      : { base: "/.local", sure: false, how: `uid ${name} has no /etc/passwd entry shipshape can see, so HOME is taken to be /`, who, root };
  }
  return { base: `/home/${name}/.local`, sure: false, how: `HOME /home/${name} assumed: no RUN shipshape reads creates ${name}`, who, root };
}
