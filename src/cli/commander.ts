// commander through require: it is CommonJS, and importing it as ESM costs every start of
// barge ~8 ms more (its entry is parsed for named exports, then loaded anyway).
import { createRequire } from 'node:module';
import type * as commander from 'commander';

const lib = createRequire(import.meta.url)('commander') as typeof commander;

export const Command = lib.Command;
export type Command = commander.Command;
export const CommanderError = lib.CommanderError;
export type CommanderError = commander.CommanderError;
export const Option = lib.Option;
export type Option = commander.Option;
