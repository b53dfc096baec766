// Import extraction over the @lezer/python syntax tree: the exact (and slower) path.
//
// @lezer/python is loaded lazily, through its CommonJS build, the first time a file needs it:
// loading it costs ~18 ms, which a CLI run that only hits the fast scanner never pays, and a
// synchronous require keeps `extractImports` synchronous.

import { createRequire } from "node:module";
import type { SyntaxNode, Tree } from "@lezer/common";
import type { LRParser } from "@lezer/lr";
import type { ParsedPython, PyCond, PyImport, PySyntaxError } from "../types.js";
import {
  DYNAMIC_CALLEES,
  EXIT_CALLS,
  GUARD_EXCEPTIONS,
  type PackageArg,
  finish,
  lineAt,
  lineStarts,
  mergeCond,
  negateCond,
  platformCond,
  plainStringValue,
  resolveDynamic,
  stripBom,
  versionCond,
} from "./scan.js";

let parser: LRParser | undefined;

/** The @lezer/python parser, loaded on first use. */
export function pythonParser(): LRParser {
  if (!parser) {
    const require = createRequire(import.meta.url);
    parser = (require("@lezer/python") as { parser: LRParser }).parser;
  }
  return parser;
}

interface Ctx {
  deferred: boolean;
  guarded: boolean;
  typeChecking: boolean;
  mainOnly: boolean;
  /** Statements here run in the module namespace (not inside a def or class body). */
  moduleScope: boolean;
  /** Line of the innermost enclosing try (catching ImportError) whose body this is; 0: none. */
  tryLine: number;
  /** Line of the try whose ImportError handler this is (innermost); 0: none. */
  fallback: number;
  cond: PyCond | null;
}

/** Next sibling, skipping comments (which the tree keeps inside brackets). */
function next(n: SyntaxNode | null | undefined): SyntaxNode | null {
  let x = n ? n.nextSibling : null;
  while (x && x.name === "Comment") x = x.nextSibling;
  return x;
}

/** First child, skipping comments. */
function first(n: SyntaxNode): SyntaxNode | null {
  let x = n.firstChild;
  while (x && x.name === "Comment") x = x.nextSibling;
  return x;
}

const ROOT: Ctx = { deferred: false, guarded: false, typeChecking: false, mainOnly: false, moduleScope: true, tryLine: 0, fallback: 0, cond: null };

/** Statements of a Body (or StatementGroup), without the `:`, `;` and comments. */
function lastStatement(n: SyntaxNode): SyntaxNode | null {
  for (let c = n.lastChild; c; c = c.prevSibling) {
    if (c.name === "Comment" || c.name === ":" || c.name === ";") continue;
    return c.name === "StatementGroup" ? lastStatement(c) : c;
  }
  return null;
}

class Extractor {
  readonly imports: PyImport[] = [];
  readonly names: string[] = [];
  /** Import statements the grammar accepts but Python does not (offset, message), in order. */
  readonly invalid: { at: number; message: string }[] = [];

  constructor(
    private readonly src: string,
    private readonly starts: number[],
  ) {}

  text(n: SyntaxNode): string {
    return this.src.slice(n.from, n.to);
  }

  private add(kind: PyImport["kind"], module: string, level: number, names: string[], at: number, ctx: Ctx): void {
    const line = lineAt(this.starts, at);
    this.imports.push({
      kind,
      module,
      level,
      names,
      line,
      col: at - this.starts[line - 1],
      deferred: ctx.deferred,
      guarded: ctx.guarded,
      typeChecking: ctx.typeChecking,
      mainOnly: ctx.mainOnly,
      tryLine: ctx.tryLine,
      fallback: ctx.fallback,
      cond: ctx.cond,
    });
  }

  private bind(name: string, ctx: Ctx): void {
    if (ctx.moduleScope) this.names.push(name);
  }

  /** Walk every child of `node` in the same context. */
  children(node: SyntaxNode, ctx: Ctx): void {
    for (let c = node.firstChild; c; c = c.nextSibling) this.visit(c, ctx);
  }

  visit(node: SyntaxNode, ctx: Ctx): void {
    switch (node.name) {
      case "ImportStatement":
        this.importStatement(node, ctx);
        return;
      case "FunctionDefinition":
      case "ClassDefinition": {
        const isDef = node.name === "FunctionDefinition";
        const inner: Ctx = { ...ctx, moduleScope: false, deferred: ctx.deferred || isDef };
        let named = false;
        for (let c = node.firstChild; c; c = c.nextSibling) {
          if (c.name === "VariableName" && !named) {
            named = true;
            this.bind(this.text(c), ctx);
          } else if (c.name === "Body") this.children(c, inner);
          else this.visit(c, ctx);
        }
        return;
      }
      case "LambdaExpression": {
        let body = false;
        for (let c = node.firstChild; c; c = c.nextSibling) {
          if (!body && c.name === ":") body = true;
          else this.visit(c, body ? { ...ctx, deferred: true } : ctx);
        }
        return;
      }
      case "IfStatement":
        this.ifStatement(node, ctx);
        return;
      case "TryStatement":
        this.tryStatement(node, ctx);
        return;
      case "ForStatement": {
        let inTargets = false;
        for (let c = node.firstChild; c; c = c.nextSibling) {
          if (c.name === "for") inTargets = true;
          else if (c.name === "in") inTargets = false;
          else if (inTargets) this.bindTargets(c, ctx);
          this.visit(c, ctx);
        }
        return;
      }
      case "WithStatement": {
        for (let c = node.firstChild; c; c = c.nextSibling) {
          if (c.name === "as" && c.nextSibling?.name === "VariableName") {
            this.bind(this.text(c.nextSibling), ctx);
          }
          this.visit(c, ctx);
        }
        return;
      }
      case "AssignStatement": {
        // targets = expressions before the last `=`; an annotation alone (`x: int`) binds nothing
        let lastAssign: SyntaxNode | null = null;
        for (let c = node.firstChild; c; c = c.nextSibling) if (c.name === "AssignOp") lastAssign = c;
        if (lastAssign) {
          for (let c = node.firstChild; c && c.from < lastAssign.from; c = c.nextSibling) {
            if (c.name !== "TypeDef" && c.name !== "AssignOp") this.bindTargets(c, ctx);
          }
        }
        this.children(node, ctx);
        return;
      }
      case "UpdateStatement": {
        const t = node.firstChild;
        if (t && t.name === "VariableName") this.bind(this.text(t), ctx);
        this.children(node, ctx);
        return;
      }
      case "TypeDefinition": {
        const t = node.getChild("VariableName");
        if (t) this.bind(this.text(t), ctx);
        this.children(node, ctx);
        return;
      }
      case "CapturePattern": {
        const t = node.firstChild;
        if (t && t.name === "VariableName" && this.text(t) !== "_") this.bind(this.text(t), ctx);
        return;
      }
      case "AsPattern": {
        for (let c = node.firstChild; c; c = c.nextSibling) {
          if (c.name === "as" && c.nextSibling?.name === "VariableName") {
            const n = this.text(c.nextSibling);
            if (n !== "_") this.bind(n, ctx);
            break;
          }
          this.visit(c, ctx);
        }
        return;
      }
      case "KeywordPattern": {
        // `name=pattern`: the keyword is not a binding
        for (let c = node.firstChild?.nextSibling ?? null; c; c = c.nextSibling) this.visit(c, ctx);
        return;
      }
      case "ClassPattern":
      case "AttributePattern":
        for (let c = node.firstChild; c; c = c.nextSibling) if (c.name === "PatternArgList") this.visit(c, ctx);
        return;
      case "CallExpression":
        this.call(node, ctx);
        this.children(node, ctx);
        return;
      case "Decorator":
        this.decorator(node, ctx);
        this.children(node, ctx);
        return;
      case "String":
      case "Comment":
      case "VariableName":
        return;
      default:
        this.children(node, ctx);
    }
  }

  /** Names bound by an assignment/for target expression. */
  bindTargets(node: SyntaxNode, ctx: Ctx): void {
    if (!ctx.moduleScope) return;
    switch (node.name) {
      case "VariableName":
        this.bind(this.text(node), ctx);
        return;
      case "TupleExpression":
      case "ArrayExpression":
      case "ParenthesizedExpression":
        for (let c = node.firstChild; c; c = c.nextSibling) this.bindTargets(c, ctx);
        return;
      default:
        return;
    }
  }

  importStatement(node: SyntaxNode, ctx: Ctx): void {
    const kw = first(node);
    if (!kw) return;
    let c: SyntaxNode | null = next(kw);
    // The grammar is lenient where Python is not: `import (a)`, `import a,`, `from a import b,`
    // and `from a import b.c` are syntax errors.
    let paren = false;
    let last: SyntaxNode | null = null;
    for (let x = next(kw), afterImport = kw.name === "import"; x; x = next(x)) {
      if (x.name === "import") afterImport = true;
      else if (afterImport && x.name === "(") paren = true;
      else if (afterImport && kw.name === "from" && x.name === ".")
        this.invalid.push({ at: x.from, message: 'invalid syntax near "."' });
      last = x;
    }
    if (kw.name === "import" && paren)
      this.invalid.push({ at: kw.from, message: "invalid syntax: parentheses around imported modules" });
    if (last && last.name === "," && !paren)
      this.invalid.push({ at: last.from, message: "trailing comma not allowed without surrounding parentheses" });
    if (kw.name === "import") {
      // import a.b.c [as d], e ...
      while (c) {
        if (c.name !== "VariableName") {
          c = next(c);
          continue;
        }
        const parts = [this.text(c)];
        c = next(c);
        while (c && c.name === "." && next(c)?.name === "VariableName") {
          c = next(c)!;
          parts.push(this.text(c));
          c = next(c);
        }
        let bound = parts[0];
        if (c && c.name === "as" && next(c)?.name === "VariableName") {
          c = next(c)!;
          bound = this.text(c);
          c = next(c);
        }
        this.add("import", parts.join("."), 0, [], kw.from, ctx);
        this.bind(bound, ctx);
      }
      return;
    }
    // from [dots] [a.b] import names
    let level = 0;
    const parts: string[] = [];
    for (; c && c.name !== "import"; c = next(c)) {
      if (c.name === "." && parts.length === 0) level += 1;
      else if (c.name === "Ellipsis" && parts.length === 0) level += 3;
      else if (c.name === "VariableName") parts.push(this.text(c));
    }
    if (!c) return; // recovered fragment without `import`
    const names: string[] = [];
    for (c = next(c); c; c = next(c)) {
      if (c.name === "*") {
        names.push("*");
        this.bind("*", ctx);
      } else if (c.name === "VariableName") {
        let name = this.text(c);
        // dotted names are not valid here, but the grammar accepts them: keep the text
        while (next(c)?.name === "." && next(next(c))?.name === "VariableName") {
          c = next(next(c))!;
          name += "." + this.text(c);
        }
        names.push(name);
        let bound = name;
        if (next(c)?.name === "as" && next(next(c))?.name === "VariableName") {
          c = next(next(c))!;
          bound = this.text(c);
        }
        this.bind(bound, ctx);
      }
    }
    this.add("from", parts.join("."), level, names, kw.from, ctx);
  }

  ifStatement(node: SyntaxNode, ctx: Ctx): void {
    let branch: Ctx = ctx;
    let expectCond = false;
    // An elif is an `else:` holding an `if`: each branch after the first knows the earlier
    // conditions failed (`orelse` below: the ctx of the next elif or else).
    let orelse: Ctx = ctx;
    for (let c = node.firstChild; c; c = c.nextSibling) {
      const n = c.name;
      if (n === "if" || n === "elif") {
        expectCond = true;
        branch = orelse;
      } else if (n === "else") {
        expectCond = false;
        branch = orelse;
      } else if (n === "Body") {
        this.children(c, branch);
        expectCond = false;
      } else {
        const base = expectCond ? branch : ctx;
        if (expectCond) {
          expectCond = false;
          const cond = unparen(c);
          if (this.isTypeChecking(cond)) branch = { ...base, typeChecking: true };
          else if (this.isMainCheck(cond)) branch = { ...base, mainOnly: true };
          else {
            const a = this.condAtom(cond);
            if (a) {
              branch = { ...base, cond: mergeCond(base.cond, a) };
              orelse = { ...orelse, cond: mergeCond(orelse.cond, negateCond(a)) };
            }
          }
        }
        this.visit(c, base);
      }
    }
  }

  /** A `sys.version_info` / `sys.platform` test of the simple forms (see docs), or null. */
  private condAtom(n: SyntaxNode): PyCond | null {
    n = unparen(n);
    if (n.name === "UnaryExpression") {
      const op = first(n);
      const arg = next(op);
      if (!op || op.name !== "not" || !arg || next(arg)) return null;
      const a = this.condAtom(arg);
      return a && negateCond(a);
    }
    if (n.name === "CallExpression") {
      // sys.platform.startswith("...")
      const callee = first(n);
      const args = next(callee);
      if (!callee || !args || args.name !== "ArgList" || next(args) || this.dotted(callee) !== "sys.platform.startswith") return null;
      const open = first(args);
      const str = next(open);
      const close = next(str);
      if (!str || str.name !== "String" || !close || close.name !== ")" || next(close)) return null;
      return platformCond("startswith", plainStringValue(this.text(str)));
    }
    if (n.name !== "BinaryExpression") return null;
    const a = first(n);
    const op = next(a);
    const b = next(op);
    if (!a || !op || !b || next(b) || op.name !== "CompareOp") return null;
    const opText = this.text(op);
    if (a.name === "MemberExpression" && this.dotted(a) === "sys.platform") {
      return b.name === "String" && (opText === "==" || opText === "!=") ? platformCond(opText, plainStringValue(this.text(b))) : null;
    }
    let sliced = false;
    if (this.dotted(a) !== "sys.version_info") {
      // sys.version_info[:2]
      const obj = first(a);
      if (a.name !== "MemberExpression" || !obj || this.dotted(obj) !== "sys.version_info") return null;
      const parts: string[] = [];
      for (let x = next(obj); x; x = next(x)) parts.push(x.name === "Number" ? this.text(x) : x.name);
      if (parts.join(" ") !== "[ : 2 ]") return null;
      sliced = true;
    }
    if (b.name !== "TupleExpression") return null;
    const t: SyntaxNode[] = [];
    for (let x = first(b); x; x = next(x)) t.push(x);
    if (t.length !== 5 || t[0].name !== "(" || t[1].name !== "Number" || t[2].name !== "," || t[3].name !== "Number" || t[4].name !== ")") return null;
    return versionCond(sliced, opText, this.text(t[1]), this.text(t[3]));
  }

  private isTypeChecking(n: SyntaxNode): boolean {
    const d = this.dotted(n);
    return d !== null && (d === "TYPE_CHECKING" || d.endsWith(".TYPE_CHECKING"));
  }

  private isMainCheck(n: SyntaxNode): boolean {
    if (n.name !== "BinaryExpression") return false;
    const a = first(n);
    const op = next(a);
    const b = next(op);
    if (!a || !op || !b || next(b) || op.name !== "CompareOp" || this.text(op) !== "==") return false;
    const isName = (x: SyntaxNode) => x.name === "VariableName" && this.text(x) === "__name__";
    const isMain = (x: SyntaxNode) => x.name === "String" && plainStringValue(this.text(x)) === "__main__";
    return (isName(a) && isMain(b)) || (isMain(a) && isName(b));
  }

  /** `a.b.c` as text when `n` is a plain dotted name, else null. */
  dotted(n: SyntaxNode): string | null {
    if (n.name === "VariableName") return this.text(n);
    if (n.name !== "MemberExpression") return null;
    const obj = first(n);
    const dot = next(obj);
    const prop = next(dot);
    if (!obj || !dot || dot.name !== "." || !prop || prop.name !== "PropertyName" || next(prop)) return null;
    const base = this.dotted(obj);
    return base === null ? null : `${base}.${this.text(prop)}`;
  }

  /** Does this `except` type expression catch ImportError? */
  private catchesImportError(n: SyntaxNode): boolean {
    n = unparen(n);
    if (n.name === "TupleExpression") {
      for (let c = n.firstChild; c; c = c.nextSibling) if (this.catchesImportError(c)) return true;
      return false;
    }
    const d = this.dotted(n);
    if (d === null) return false;
    return GUARD_EXCEPTIONS.has(d.slice(d.lastIndexOf(".") + 1));
  }

  tryStatement(node: SyntaxNode, ctx: Ctx): void {
    // except [*] [test [(as | ,) name]] Body
    const fallbacks = new Set<number>(); // Body offsets of the handlers that catch ImportError
    let qualifies = false;
    let decides: SyntaxNode | null = null; // the Body of the first of them
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.name !== "except") continue;
      let t = c.nextSibling;
      if (t && t.name === "*") t = t.nextSibling;
      let q = false;
      if (!t || t.name === "Body") q = true; // bare except
      else {
        if (this.catchesImportError(t)) q = true;
        // `except A, B:` (no `as`): Python 3.14 reads a tuple; the grammar reads A as the type
        const sep = t.nextSibling;
        if (sep && sep.name === "," && sep.nextSibling && this.catchesImportError(sep.nextSibling)) q = true;
      }
      if (!q) continue;
      let body = t;
      while (body && body.name !== "Body" && body.name !== "except") body = body.nextSibling;
      const first = !qualifies;
      qualifies = true;
      if (!body || body.name !== "Body") continue;
      fallbacks.add(body.from);
      if (first) decides = body;
    }
    const line = qualifies ? lineAt(this.starts, node.from) : 0;
    const bodyCtx: Ctx = qualifies ? { ...ctx, tryLine: line, guarded: ctx.guarded || !(decides && this.exits(decides)) } : ctx;
    const handlerCtx: Ctx = qualifies ? { ...ctx, fallback: line } : ctx;
    let seenBody = false;
    let afterExcept = false;
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.name === "Body") {
        this.children(c, !seenBody ? bodyCtx : fallbacks.has(c.from) ? handlerCtx : ctx);
        seenBody = true;
        afterExcept = false;
      } else if (c.name === "except") {
        afterExcept = true;
      } else if (afterExcept && c.name === "VariableName" && (c.prevSibling?.name === "as" || c.prevSibling?.name === ",")) {
        // the handler's `as e` name is unbound again when the handler ends
      } else {
        this.visit(c, ctx);
      }
    }
  }

  /** Does a handler's body end with `raise ...` or a call such as `sys.exit(...)`? */
  private exits(body: SyntaxNode): boolean {
    const last = lastStatement(body);
    if (!last) return false;
    if (last.name === "RaiseStatement") return true;
    if (last.name !== "ExpressionStatement") return false;
    const call = first(last);
    if (!call || next(call) || call.name !== "CallExpression") return false;
    const callee = first(call);
    const args = next(callee);
    if (!callee || !args || args.name !== "ArgList" || next(args)) return false;
    const d = this.dotted(callee);
    return d !== null && EXIT_CALLS.has(d);
  }

  call(node: SyntaxNode, ctx: Ctx): void {
    const callee = first(node);
    const args = next(callee);
    if (!callee || !args || args.name !== "ArgList") return;
    const name = this.dotted(callee);
    if (name !== null) this.dynamic(name, args, node.from, ctx);
  }

  /** A decorator is `@dotted.name(args)` in this grammar, not a call expression. */
  decorator(node: SyntaxNode, ctx: Ctx): void {
    let name = "";
    let args: SyntaxNode | null = null;
    let start = -1;
    for (let c = first(node); c; c = next(c)) {
      if (c.name === "VariableName") {
        if (start < 0) start = c.from;
        name += this.text(c);
      } else if (c.name === ".") name += ".";
      else if (c.name === "ArgList") args = c;
    }
    if (args && start >= 0) this.dynamic(name, args, start, ctx);
  }

  /** `import_module("a.b")`-style call of `name` with argument list `args`. */
  private dynamic(name: string, args: SyntaxNode, at: number, ctx: Ctx): void {
    const fn = DYNAMIC_CALLEES.get(name);
    if (!fn) return;
    // ArgList: ( arg , arg ... )
    const arg0 = next(first(args));
    if (!arg0) return;
    const value = this.literal(arg0);
    const after = next(arg0);
    if (value === null || !after || (after.name !== "," && after.name !== ")")) return;
    let pkg: PackageArg = { kind: "none" };
    let p = after.name === "," ? next(after) : null;
    if (p && p.name !== ")") {
      let ok = true;
      if (p.name === "VariableName" && next(p)?.name === "AssignOp") {
        // keyword argument: only `package=` is the package
        ok = this.text(p) === "package";
        p = next(next(p));
      }
      const end = next(p);
      if (!p || !ok || !end || (end.name !== "," && end.name !== ")")) pkg = { kind: "other" };
      else if (p.name === "VariableName" && (this.text(p) === "__package__" || this.text(p) === "__name__"))
        pkg = { kind: "current" };
      else if (p.name === "String" || p.name === "ContinuedString") pkg = { kind: "literal", value: this.literal(p) };
      else pkg = { kind: "other" };
    }
    const r = resolveDynamic(fn, value, pkg);
    if (r) this.add("dynamic", r.module, r.level, [], at, ctx);
  }

  /** Value of a plain string literal (or implicit concatenation of them), else null. */
  literal(n: SyntaxNode): string | null {
    if (n.name === "String") return plainStringValue(this.text(n));
    if (n.name !== "ContinuedString") return null;
    let out = "";
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (c.name !== "String") return null;
      const v = plainStringValue(this.text(c));
      if (v === null) return null;
      out += v;
    }
    return out;
  }
}

function unparen(n: SyntaxNode): SyntaxNode {
  while (n.name === "ParenthesizedExpression") {
    const inner = next(first(n));
    if (!inner || next(inner)?.name !== ")") break;
    n = inner;
  }
  return n;
}

/** Does this string token (prefix and quotes included) lack its closing quote? */
function unterminated(tok: string): boolean {
  let i = 0;
  while (i < tok.length && "rRbBuUfF".includes(tok[i])) i++;
  const q = tok[i];
  const ql = tok.startsWith(q + q + q, i) ? 3 : 1;
  if (tok.length < i + 2 * ql || !tok.endsWith(q.repeat(ql))) return true;
  // the grammar ends a one-line string at the line break: `'abc\'` is then unterminated
  let bs = 0;
  for (let j = tok.length - ql - 1; j >= i + ql && tok[j] === "\\"; j--) bs++;
  return bs % 2 === 1;
}

/** Offset of the innermost bracket the tree leaves open at the end, or -1. */
function unclosedBracket(tree: Tree): number {
  const stack: number[] = [];
  tree.iterate({
    enter(n) {
      const name = n.name;
      if (name === "(" || name === "[" || name === "{") stack.push(n.from);
      else if ((name === ")" || name === "]" || name === "}") && stack.length) stack.pop();
      return undefined;
    },
  });
  return stack.length ? stack[stack.length - 1] : -1;
}

/** The first error: an error node of the tree, an unterminated string, or an invalid import. */
function firstError(tree: Tree, src: string, starts: number[], invalid: Extractor["invalid"]): PySyntaxError | undefined {
  let at = -1;
  let len = 0;
  let message = "";
  tree.iterate({
    enter(n) {
      if (at >= 0) return false;
      if (n.type.isError) {
        at = n.from;
        len = n.to - n.from;
        return false;
      }
      if ((n.name === "String" || n.name === "FormatString") && unterminated(src.slice(n.from, n.to))) {
        at = n.from;
        message = "unterminated string literal";
        return false;
      }
      return undefined;
    },
  });
  if (invalid.length && (at < 0 || invalid[0].at < at)) {
    at = invalid[0].at;
    message = invalid[0].message;
  }
  if (at < 0) return undefined;
  if (!message && at >= src.length) {
    // The end of the file inside brackets: CPython names the innermost bracket left open.
    const open = unclosedBracket(tree);
    if (open >= 0) {
      const l = lineAt(starts, open);
      return { line: l, col: open - starts[l - 1], message: `'${src[open]}' was never closed` };
    }
  }
  const line = lineAt(starts, at);
  if (message) {
    // set above
  } else if (at >= src.length) message = "invalid syntax: unexpected end of file";
  else {
    const snippet = (len > 0 ? src.slice(at, at + Math.min(len, 30)) : src.slice(at, at + 30)).split(/[\r\n]/)[0];
    message = snippet ? `invalid syntax near ${JSON.stringify(snippet)}` : "invalid syntax at end of line";
  }
  return { line, col: at - starts[line - 1], message };
}

/** Extract imports from Python source with the full @lezer/python grammar (error-tolerant). */
export function parseWithGrammar(source: string): ParsedPython {
  // The grammar mishandles `\r\n` after a backslash continuation: give it `\n` only. Lines and
  // columns are unchanged (a `\r` only ever ends a line).
  let src = stripBom(source);
  if (src.indexOf("\r") >= 0) src = src.replace(/\r\n?/g, "\n");
  const tree = pythonParser().parse(src);
  const starts = lineStarts(src);
  const ex = new Extractor(src, starts);
  ex.children(tree.topNode, ROOT);
  const out = finish(ex.imports, ex.names, "grammar");
  const err = firstError(tree, src, starts, ex.invalid);
  if (err) out.syntaxError = err;
  return out;
}
