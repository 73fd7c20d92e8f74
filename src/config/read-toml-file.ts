// Reads the config file and parses it as TOML; a parse error is reported by line, in one line of text.
import { readFileSync } from 'node:fs';
import { parse, TomlError } from 'smol-toml';
import { configError, describeFsError } from './config-error.js';
import type { Table } from './toml-table.js';

export function readTomlFile(file: string): Table {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw configError(`cannot read ${file}`, describeFsError(e));
  }
  try {
    return parse(text);
  } catch (e) {
    if (!(e instanceof TomlError)) throw e;
    // the message repeats the document around the error over several lines; the first line is the reason
    const reason = (e.message.split('\n')[0] ?? '').replace(/^Invalid TOML document:\s*/, '');
    throw configError(`${file}: line ${e.line}`, `${reason} (column ${e.column})`);
  }
}
