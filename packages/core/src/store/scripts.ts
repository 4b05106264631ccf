import { readFileSync } from 'node:fs';
import type { Cluster, Redis, Result } from 'ioredis';

/**
 * The Lua scripts, each one atomic multi-key write (or consistent read) of the
 * comment engine. They ship beside the compiled store and are registered once
 * with ioredis's `defineCommand`, which calls EVALSHA and falls back to EVAL
 * when the server answers NOSCRIPT (after a restart or SCRIPT FLUSH).
 */
const SCRIPTS = {
  tkCreateComment: { file: 'create_comment.lua', keys: 1 },
  tkEditComment: { file: 'edit_comment.lua', keys: 1 },
  tkDeleteComment: { file: 'delete_comment.lua', keys: 1 },
  tkVote: { file: 'vote.lua', keys: 2 },
  tkReportComment: { file: 'report_comment.lua', keys: 2 },
  tkPinComment: { file: 'pin_comment.lua', keys: 1 },
  tkPageView: { file: 'page_view.lua', keys: 1 },
  tkReadThread: { file: 'read_thread.lua', keys: 1 },
  tkRotateRefresh: { file: 'rotate_refresh.lua', keys: 1 },
} as const;

type Arg = string | number;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    tkCreateComment(page: string, ...argv: Arg[]): Result<[string, number], Context>;
    tkEditComment(comment: string, ...argv: Arg[]): Result<[string, number], Context>;
    tkDeleteComment(comment: string, ...argv: Arg[]): Result<(string | number)[], Context>;
    tkVote(comment: string, votes: string, ...argv: Arg[]): Result<[number, number, string, string], Context>;
    tkReportComment(comment: string, reports: string, ...argv: Arg[]): Result<number, Context>;
    tkPinComment(comment: string, ...argv: Arg[]): Result<string, Context>;
    tkPageView(page: string, ...argv: Arg[]): Result<[number, number, number, number, number], Context>;
    tkReadThread(page: string, ...argv: Arg[]): Result<ReadThreadReply, Context>;
    tkRotateRefresh(session: string, ...argv: Arg[]): Result<string, Context>;
  }
}

export type ReadThreadReply = [
  version: number,
  epoch: number,
  count: number,
  updated: number,
  nextScore: string,
  nextId: string,
  pinned: string[],
  comments: string[],
  authors: string[],
  votes: string[],
];

export type ScriptName = keyof typeof SCRIPTS;

const read = (file: string) => readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8');

let sources: Record<ScriptName, string> | undefined;

/** Script sources with the shared prelude in front (read once per process). */
export function scriptSources(): Record<ScriptName, string> {
  if (!sources) {
    const prelude = read('prelude.lua');
    sources = Object.fromEntries(
      Object.entries(SCRIPTS).map(([name, { file }]) => [name, `${prelude}\n${read(file)}`]),
    ) as Record<ScriptName, string>;
  }
  return sources;
}

export function defineScripts(client: Redis | Cluster): void {
  const all = scriptSources();
  for (const [name, { keys }] of Object.entries(SCRIPTS)) {
    client.defineCommand(name, { numberOfKeys: keys, lua: all[name as ScriptName] });
  }
}
