// Reporters: text (with code frames), json (the stable contract), sarif, github annotations.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Finding } from "./findings.js";
import { RULES } from "./findings.js";
import type { ServiceResult } from "./analyze.js";

export interface Report {
  repoRoot: string;
  results: ServiceResult[];
  findings: Finding[];
}

export function toJson(r: Report): string {
  return (
    JSON.stringify(
      {
        version: 1,
        services: r.results.map((s) => ({
          name: s.service.name,
          dockerfile: s.dockerfileRepoPath,
          context: s.contextRepoPath,
          ...(s.service.target ? { target: s.service.target } : {}),
          entry_points: s.entryPoints.map((e) => e.label),
          files_checked: s.filesVisited,
        })),
        findings: r.findings.map((f) => ({
          code: f.code,
          severity: f.severity,
          service: f.service,
          file: f.file,
          line: f.line,
          module: f.module,
          message: f.message,
          chain: f.chain,
          ...(f.fix ? { fix: f.fix } : {}),
          ...(f.notes ? { notes: f.notes } : {}),
        })),
      },
      null,
      2,
    ) + "\n"
  );
}

interface Colors {
  red: (s: string) => string;
  yellow: (s: string) => string;
  blue: (s: string) => string;
  dim: (s: string) => string;
  bold: (s: string) => string;
  cyan: (s: string) => string;
  green: (s: string) => string;
}

export function colors(on: boolean): Colors {
  const w = (a: number, b: number) => (s: string) => (on ? `\x1b[${a}m${s}\x1b[${b}m` : s);
  return { red: w(31, 39), yellow: w(33, 39), blue: w(34, 39), dim: w(2, 22), bold: w(1, 22), cyan: w(36, 39), green: w(32, 39) };
}

const DOCS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "docs", "rules");
function ruleDoc(code: string): string | null {
  try {
    return readFileSync(path.join(DOCS_DIR, `${code}.md`), "utf8");
  } catch {
    return null;
  }
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

function codeFrame(repoRoot: string, file: string, line: number, c: Colors): string[] {
  let lines: string[];
  try {
    const buf = readFileSync(path.join(repoRoot, file));
    if (buf.includes(0)) return []; // a binary file has no lines to show
    lines = UTF8.decode(buf).split(/\r?\n/); // throws for bytes that are not UTF-8: no frame then

  } catch {
    return [];
  }
  if (line < 1 || line > lines.length) return [];
  const out: string[] = [];
  const from = Math.max(1, line - 1);
  const to = Math.min(lines.length, line + 1);
  const w = String(to).length;
  for (let i = from; i <= to; i++) {
    const mark = i === line ? c.red(">") : " ";
    // Control characters would drive the terminal: show them escaped.
    const raw = lines[i - 1].replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (ch) => "\\x" + ch.charCodeAt(0).toString(16).padStart(2, "0"));
    const text = raw.length > 160 ? raw.slice(0, 157) + "..." : raw;
    out.push(`  ${mark} ${c.dim(String(i).padStart(w) + " |")} ${i === line ? text : c.dim(text)}`);
  }
  return out;
}

export function toText(r: Report, opts: { color: boolean; quiet?: boolean }): string {
  const c = colors(opts.color);
  const out: string[] = [];
  const sev = (s: string) => (s === "error" ? c.red(c.bold("error")) : s === "warning" ? c.yellow(c.bold("warning")) : c.blue("info"));
  for (const f of r.findings) {
    const rule = RULES[f.code];
    out.push(`${c.bold(`${f.file}:${f.line}${f.col !== undefined ? ":" + (f.col + 1) : ""}`)}: ${sev(f.severity)} ${c.bold(f.code)} ${c.dim(`[${rule?.name ?? ""}]`)} ${c.dim(`(${f.service})`)}`);
    out.push(`  ${f.message}`);
    out.push(...codeFrame(r.repoRoot, f.file, f.line, c));
    if (f.chain.length > 1) out.push(`  ${c.dim("import chain:")} ${f.chain.join(c.dim(" -> "))}`);
    for (const n of f.notes ?? []) out.push(`  ${c.dim("note:")} ${n}`);
    if (f.fix) out.push(`  ${c.green("fix:")} in ${f.fix.dockerfile}, after line ${f.fix.after_line}, add: ${c.cyan(f.fix.insert)}`);
    out.push("");
  }
  if (!opts.quiet) {
    const errors = r.findings.filter((f) => f.severity === "error").length;
    const warnings = r.findings.filter((f) => f.severity === "warning").length;
    const infos = r.findings.length - errors - warnings;
    const files = r.results.reduce((a, s) => a + s.filesVisited, 0);
    for (const s of r.results) {
      const n = r.findings.filter((f) => f.service === s.service.name);
      const e = n.filter((f) => f.severity === "error").length;
      const w = n.filter((f) => f.severity === "warning").length;
      const i = n.length - e - w;
      const status = e ? c.red(`${e} error${e === 1 ? "" : "s"}`) : w ? c.yellow(`${w} warning${w === 1 ? "" : "s"}`) : i ? c.blue(`ok, ${i} note${i === 1 ? "" : "s"}`) : c.green("ok");
      out.push(`${c.bold(s.service.name)} ${c.dim(`(${s.dockerfileRepoPath}, context ${s.contextRepoPath}${s.service.target ? ", target " + s.service.target : ""})`)}: ${status}${s.entryPoints.length ? c.dim(" — " + s.entryPoints.map((e) => e.label).join(", ")) : ""}`);
    }
    out.push("");
    out.push(
      `${r.results.length} service${r.results.length === 1 ? "" : "s"} checked, ${files} reachable Python file${files === 1 ? "" : "s"}: ` +
        (errors || warnings ? `${errors ? c.red(`${errors} error${errors === 1 ? "" : "s"}`) : "0 errors"}, ${warnings} warning${warnings === 1 ? "" : "s"}` : c.green("no problems found")) +
        (infos ? `, ${infos} note${infos === 1 ? "" : "s"}` : ""),
    );
  }
  return out.join("\n") + "\n";
}

/** GitHub Actions workflow commands: one annotation per finding. */
export function toGithub(r: Report): string {
  const esc = (s: string) => s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
  const escProp = (s: string) => esc(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
  return r.findings
    .map((f) => {
      const level = f.severity === "error" ? "error" : f.severity === "warning" ? "warning" : "notice";
      const msg = [f.message, f.chain.length > 1 ? `import chain: ${f.chain.join(" -> ")}` : "", f.fix ? `fix: in ${f.fix.dockerfile} after line ${f.fix.after_line} add: ${f.fix.insert}` : ""].filter(Boolean).join("\n");
      return `::${level} file=${escProp(f.file)},line=${f.line},title=${escProp(`${f.code} ${RULES[f.code]?.name ?? ""} (${f.service})`)}::${esc(msg)}`;
    })
    .join("\n") + (r.findings.length ? "\n" : "");
}

export function toSarif(r: Report, version: string): string {
  const codes = [...new Set(r.findings.map((f) => f.code))].sort();
  const allCodes = Object.keys(RULES).sort();
  void codes;
  return (
    JSON.stringify(
      {
        $schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [
          {
            tool: {
              driver: {
                name: "shipshape",
                version,
                rules: allCodes.map((code) => ({
                  id: code,
                  name: RULES[code].name,
                  shortDescription: { text: RULES[code].summary },
                  // The rule's page itself (code scanning shows help.markdown); shipshape has no web address.
                  help: { text: `${RULES[code].summary} (docs/rules/${code}.md in shipshape)`, markdown: ruleDoc(code) ?? RULES[code].summary },
                  defaultConfiguration: { level: RULES[code].severity === "info" ? "note" : RULES[code].severity },
                })),
              },
            },
            results: r.findings.map((f) => ({
              ruleId: f.code,
              ruleIndex: allCodes.indexOf(f.code),
              level: f.severity === "info" ? "note" : f.severity,
              message: { text: `${f.message}${f.chain.length > 1 ? ` (import chain: ${f.chain.join(" -> ")})` : ""}` },
              locations: [{ physicalLocation: { artifactLocation: { uri: f.file }, region: { startLine: Math.max(1, f.line) } } }],
              properties: { service: f.service, module: f.module, chain: f.chain, ...(f.fix ? { fix: f.fix } : {}) },
            })),
          },
        ],
      },
      null,
      2,
    ) + "\n"
  );
}
